package dev.rawcache;

import dev.rawcache.io.Checks;

import java.time.Duration;

/**
 * Options of a streaming write ({@link RawDiskCache#openWriter(String, java.nio.ByteBuffer, WriteOptions)}): the body's
 * declared length, if known, and the time to live.
 * <p>
 * Immutable and thread-safe.
 */
public final class WriteOptions
{
    private static final WriteOptions DEFAULTS = new WriteOptions(-1, null);

    private final long declaredLength;
    private final Duration ttl;

    private WriteOptions(final long declaredLength, final Duration ttl)
    {
        this.declaredLength = declaredLength;
        this.ttl = ttl;
    }

    /**
     * Unknown length, the cache's default TTL.
     *
     * @return the default options.
     */
    public static WriteOptions defaults()
    {
        return DEFAULTS;
    }

    /**
     * These options with a declared body length (a {@code Content-Length}): the writer takes its blocks at once, and
     * refuses to write more or to commit less.
     *
     * @param length the body length, 0 or more.
     * @return new options.
     */
    public WriteOptions withDeclaredLength(final long length)
    {
        Checks.requireArgument(length >= 0, "declared length %d must not be negative", length);
        return new WriteOptions(length, ttl);
    }

    /**
     * These options with a time to live.
     *
     * @param ttl at least 1 ms; null for the cache's default.
     * @return new options.
     */
    public WriteOptions withTtl(final Duration ttl)
    {
        Checks.requireArgument(ttl == null || ttl.compareTo(CacheConfig.MIN_TTL) >= 0, "TTL %s must be at least 1 ms",
            ttl);
        return new WriteOptions(declaredLength, ttl);
    }

    /**
     * The declared body length.
     *
     * @return bytes, or -1 when unknown.
     */
    public long declaredLength()
    {
        return declaredLength;
    }

    /**
     * The time to live.
     *
     * @return the TTL, or null for the cache's default.
     */
    public Duration ttl()
    {
        return ttl;
    }
}
