package dev.rawcache.bench.compare;

import dev.rawcache.CacheConfig;
import dev.rawcache.CachedEntry;
import dev.rawcache.Durability;
import dev.rawcache.RawDiskCache;
import dev.rawcache.bench.BenchSupport;

import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * rawcache in one of its read paths: the mmap threshold chooses positional reads or the mapping, and with the mapping
 * the caller chooses a copy or views.
 * <ul>
 * <li><b>pread</b> ({@code mmapThreshold = Integer.MAX_VALUE}, every value below it):
 * {@link RawDiskCache#lookupInto} reads header and value with one positional read into a per-thread scratch buffer
 * (from 32 KiB the value straight into the destination), checks the header, and copies the value into the session's
 * reused direct buffer.</li>
 * <li><b>mmap</b> ({@code mmapThreshold = 0}): {@link RawDiskCache#lookupInto} checks the header in the mapping and
 * copies the value out of it into the session's reused direct buffer.</li>
 * <li><b>zero-copy</b> ({@code mmapThreshold = 0}): {@link RawDiskCache#lookupZeroCopy} pins the entry and hands out
 * views of the mapping, which the session copies into its own reused direct buffer before closing the entry: no
 * allocation, but a view's pin, wrap and close.</li>
 * </ul>
 * On every path the full header check and the value's CRC32C run on an entry's first read (the default, not
 * {@code verifyEveryRead}); later reads check magic, lengths and sequence.
 * <p>
 * All store through {@link RawDiskCache#store(String, ByteBuffer)} with {@link Durability#none()}: none of the peers
 * syncs either, so the default {@code periodic(1 s)} fdatasync would be a cost only rawcache pays. The capacity holds
 * the data set with a quarter to spare, so nothing is evicted, not even by the mixed phase's overwrites.
 * <p>
 * Thread-safe as {@link Engine} requires.
 */
final class RawcacheEngine implements Engine
{
    /** The read path. */
    enum ReadPath
    {
        /** Positional reads, {@code lookup()}. */
        PREAD("rawcache pread"),
        /** The mapping, {@code lookup()}. */
        MMAP("rawcache mmap"),
        /** The mapping, {@code lookupZeroCopy()}. */
        ZERO_COPY("rawcache zero-copy");

        final String engineName;

        ReadPath(final String engineName)
        {
            this.engineName = engineName;
        }
    }

    private final ReadPath path;
    private final boolean mapped;
    private RawDiskCache cache;
    private int valueSize;
    private long capacity;

    /**
     * Creates the engine, not yet open.
     *
     * @param path the read path.
     */
    RawcacheEngine(final ReadPath path)
    {
        this.path = path;
        this.mapped = path != ReadPath.PREAD;
    }

    @Override
    public String name()
    {
        return path.engineName;
    }

    @Override
    public String settings()
    {
        return switch (path)
        {
            case PREAD -> "mmapThreshold Integer.MAX_VALUE, lookupInto() a reused direct buffer (pread)";
            case MMAP -> "mmapThreshold 0, lookupInto() a reused direct buffer (copy out of the mapping)";
            case ZERO_COPY -> "mmapThreshold 0, lookupZeroCopy() views copied into a reused direct buffer";
        } +
            "; Durability.none(); block size " + BenchSupport.BLOCK_SIZE + "; capacity " + Units.bytes(capacity) +
            " (holds the data set + 25%, no eviction)";
    }

    @Override
    public boolean isRawcache()
    {
        return true;
    }

    /**
     * Only the zero-copy row runs the send phase: {@code transferTo} takes the same path whatever the threshold.
     */
    @Override
    public boolean sends()
    {
        return path == ReadPath.ZERO_COPY;
    }

    @Override
    public void open(final Path directory, final DataSet data)
    {
        valueSize = data.valueSize();
        final long fit = BenchSupport.capacityFor(data.count(), valueSize);
        capacity = (fit + fit / 4) / BenchSupport.BLOCK_SIZE * BenchSupport.BLOCK_SIZE;
        cache = RawDiskCache.open(CacheConfig.builder(directory.resolve("compare.cache"))
            .capacityBytes(capacity)
            .mmapThreshold(mapped ? 0 : Integer.MAX_VALUE)
            .durability(Durability.none())
            .build());
    }

    @Override
    public Session session()
    {
        final ByteBuffer copy = ByteBuffer.allocateDirect(valueSize);
        return new Session()
        {
            @Override
            public void store(final String key, final ByteBuffer value)
            {
                cache.store(key, value);
            }

            @Override
            public ByteBuffer lookup(final String key)
            {
                if (path != ReadPath.ZERO_COPY)
                {
                    final long length = cache.lookupInto(key, copy.clear());
                    return length < 0 ? null : length > copy.capacity() ? cache.lookup(key) : copy.flip();
                }
                try (CachedEntry entry = cache.lookupZeroCopy(key))
                {
                    if (entry == null)
                    {
                        return null;
                    }
                    copy.clear();
                    for (final ByteBuffer buffer : entry.buffers())
                    {
                        copy.put(buffer);
                    }
                    return copy.flip();
                }
            }

            @Override
            public long send(final String key, final java.nio.channels.WritableByteChannel target)
            {
                return cache.transferTo(key, target);
            }
        };
    }

    @Override
    public void close()
    {
        if (cache != null)
        {
            cache.close();
        }
    }
}
