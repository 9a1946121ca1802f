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
    private static final WriteOptions DEFAULTS = new WriteOptions(-1, null, null, null);

    private final long declaredLength;
    private final Duration ttl;
    private final Duration staleWhileRevalidate;
    private final Duration staleIfError;

    private WriteOptions(final long declaredLength, final Duration ttl, final Duration staleWhileRevalidate,
                         final Duration staleIfError)
    {
        this.declaredLength = declaredLength;
        this.ttl = ttl;
        this.staleWhileRevalidate = staleWhileRevalidate;
        this.staleIfError = staleIfError;
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
        return new WriteOptions(length, ttl, staleWhileRevalidate, staleIfError);
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
        return new WriteOptions(declaredLength, ttl, staleWhileRevalidate, staleIfError);
    }

    /**
     * These options with freshness as HTTP caching defines it: fresh for {@code freshFor} (the TTL), then servable
     * stale while revalidating for {@code staleWhileRevalidate} more, and if the origin fails for
     * {@code staleIfError} more (RFC 5861). The entry is gone after the later window.
     *
     * @param freshFor             how long it is fresh, at least 1 ms.
     * @param staleWhileRevalidate the stale-while-revalidate window, or null for none.
     * @param staleIfError         the stale-if-error window, or null for none.
     * @return new options.
     */
    public WriteOptions withFreshness(final Duration freshFor, final Duration staleWhileRevalidate,
                                      final Duration staleIfError)
    {
        Checks.requireArgument(freshFor != null && freshFor.compareTo(CacheConfig.MIN_TTL) >= 0,
            "freshness %s must be at least 1 ms", freshFor);
        Checks.requireArgument(staleWhileRevalidate == null || !staleWhileRevalidate.isNegative(),
            "stale-while-revalidate window %s must not be negative", staleWhileRevalidate);
        Checks.requireArgument(staleIfError == null || !staleIfError.isNegative(),
            "stale-if-error window %s must not be negative", staleIfError);
        return new WriteOptions(declaredLength, freshFor, staleWhileRevalidate, staleIfError);
    }

    /**
     * The stale-while-revalidate window.
     *
     * @return the window, or null for none.
     */
    public Duration staleWhileRevalidate()
    {
        return staleWhileRevalidate;
    }

    /**
     * The stale-if-error window.
     *
     * @return the window, or null for none.
     */
    public Duration staleIfError()
    {
        return staleIfError;
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
