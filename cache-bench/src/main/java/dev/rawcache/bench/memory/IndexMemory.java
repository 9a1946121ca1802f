package dev.rawcache.bench.memory;

import dev.rawcache.CacheConfig;
import dev.rawcache.Durability;
import dev.rawcache.RawDiskCache;
import dev.rawcache.bench.BenchSupport;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * How many bytes of memory does the index cost per entry? Stores N tiny entries (1-byte values, keys {@code k0},
 * {@code k1}, ...) in a cache of 512-byte blocks, and reports the growth of the heap (after full collections) and of
 * direct buffers, divided by N. The key's own bytes are included: a proxy's keys are longer, so this is the floor.
 * <p>
 * Run: {@code java -Xmx8g -cp cache-bench/target/benchmarks.jar dev.rawcache.bench.memory.IndexMemory 1000000}
 * (with the JVM flags of {@code ./rawcache}; N = 10,000,000 needs an 8 GiB file and about 5 minutes).
 * <p>
 * Not a JMH benchmark: it measures a footprint, not a rate.
 */
public final class IndexMemory
{
    private IndexMemory()
    {
    }

    /**
     * Measures and prints bytes per entry.
     *
     * @param args {@code [entries]}, default 1,000,000.
     * @throws Exception when the cache cannot be opened.
     */
    public static void main(final String[] args) throws Exception
    {
        final int entries = args.length > 0 ? Integer.parseInt(args[0].replace("_", "")) : 1_000_000;
        final Path dir = BenchSupport.createTempDirectory("index-memory");
        try
        {
            final int block = 512;
            // One block per entry, room for two checkpoints (about 90 bytes per entry each) and slack.
            final long dataBlocks = entries + (long)entries * 300 / block + 4096;
            final long capacity = dataBlocks * 32 / 31 * block + (64L << 20);
            final long heapBefore = usedHeap();
            final long directBefore = direct();
            try (RawDiskCache cache = RawDiskCache.open(CacheConfig.builder(dir.resolve("index.cache"))
                .capacityBytes(capacity).blockSize(block).durability(Durability.none()).build()))
            {
                final long heapOpen = usedHeap();
                final ByteBuffer value = ByteBuffer.wrap(new byte[]{42});
                final long start = System.nanoTime();
                for (int i = 0; i < entries; i++)
                {
                    cache.store("k" + i, value.duplicate());
                    if ((i + 1) % 1_000_000 == 0)
                    {
                        System.out.printf("  %,d stored (%.0f s)%n", i + 1, (System.nanoTime() - start) / 1e9);
                    }
                }
                if (cache.stats().entries() != entries)
                {
                    throw new IllegalStateException("expected " + entries + " entries: " + cache.stats());
                }
                final long heapFull = usedHeap();
                final long directFull = direct();
                System.out.printf("entries %,d: heap %,d -> %,d bytes after open, %,d when full: %.1f bytes per " +
                    "entry on the heap, counted from before open since the index is presized at open (keys of " +
                    "%d-%d chars included), direct buffers +%,d bytes (%.1f per entry)%n",
                    entries, heapBefore, heapOpen, heapFull, (heapFull - heapBefore) / (double)entries, 2,
                    String.valueOf(entries - 1).length() + 1, directFull - directBefore,
                    (directFull - directBefore) / (double)entries);
            }
        }
        finally
        {
            BenchSupport.deleteRecursively(dir);
        }
    }

    private static long usedHeap()
    {
        final Runtime runtime = Runtime.getRuntime();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++)
        {
            System.gc();
            used = Math.min(used, runtime.totalMemory() - runtime.freeMemory());
        }
        return used;
    }

    private static long direct()
    {
        long total = 0;
        for (final BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class))
        {
            // Not the "mapped" pools: a mapping's size is the file's, not memory the index holds.
            if (pool.getName().equals("direct"))
            {
                total += pool.getMemoryUsed();
            }
        }
        return total;
    }
}
