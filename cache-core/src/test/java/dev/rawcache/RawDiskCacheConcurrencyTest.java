package dev.rawcache;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static dev.rawcache.Values.assertValue;
import static dev.rawcache.Values.concat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Covers concurrent stores, overwrites, removes, lookups, zero-copy lookups (some held open across other
 * operations) and transfers in a cache that evicts constantly: every read returns exactly some version written for
 * its key, the counters add up, and no block leaks.
 */
class RawDiskCacheConcurrencyTest
{
    private static final int THREADS = 4;
    private static final int ITERATIONS = 5_000;
    private static final int KEYS = 80;
    private static final int BLOCK = CacheConfig.DEFAULT_BLOCK_SIZE;

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(ReadPath.class)
    void shouldOnlyEverReadAVersionWrittenForTheKeyUnderConcurrentChurn(final ReadPath path) throws Exception
    {
        try (RawDiskCache cache = TestCaches.openQuiet(TestCaches.quiet(path,
            CacheConfig.builder(dir.resolve("churn.cache")), 255).build(), 255))
        {
            final AtomicLongArray issued = new AtomicLongArray(KEYS);
            final AtomicLong hits = new AtomicLong();
            final AtomicLong misses = new AtomicLong();
            final CyclicBarrier start = new CyclicBarrier(THREADS);
            final ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try
            {
                final List<Future<?>> workers = new ArrayList<>();
                for (int t = 0; t < THREADS; t++)
                {
                    final int thread = t;
                    workers.add(pool.submit(() ->
                    {
                        start.await();
                        new Worker(cache, issued, hits, misses, dir.resolve("transfer-" + thread), thread).run();
                        return null;
                    }));
                }
                for (final Future<?> worker : workers)
                {
                    worker.get(5, TimeUnit.MINUTES);
                }
            }
            finally
            {
                pool.shutdownNow();
            }

            final CacheStats mid = cache.stats();
            assertEquals(hits.get(), mid.hits(), "hits counted against reads that returned a value");
            assertEquals(misses.get(), mid.misses(), "misses counted against reads that returned nothing");
            assertEquals(0, mid.storeFailures());
            assertEquals(0, mid.checksumFailures());
            assertEquals(0, mid.ioErrors());
            assertTrue(mid.evictions() > 0, "the cache must have been evicting");
            assertEquals(cache.keysInEvictionOrder().size(), mid.entries());

            for (int k = 0; k < KEYS; k++)
            {
                final String key = key(k);
                if (cache.contains(key))
                {
                    final ByteBuffer value = cache.lookup(key);
                    final byte[] bytes = Values.bytes(value);
                    final long version = Values.claimedVersion(key, bytes);
                    assertTrue(version >= 1 && version <= issued.get(k), "version " + version + " of " + key);
                    assertValue(key, version, sizeOf(key, version), bytes);
                }
                cache.remove(key);
            }
            cache.reclaimClosedViews();
            final CacheStats end = cache.stats();
            assertEquals(0, end.entries());
            TestCaches.assertNoCheckpointRan(cache);
            TestCaches.assertNoLeak(cache, "after concurrent churn");
            assertEquals(TestCaches.entryRoom(cache), end.freeBlocks());
        }
    }

    static String key(final int k)
    {
        return "GET /churn/" + k;
    }

    /**
     * The size of a version: mostly small, sometimes around the default mmap threshold.
     */
    static int sizeOf(final String key, final long version)
    {
        final int mix = Long.hashCode((version + 1) * 0x9E37_79B9_7F4A_7C15L ^ key.hashCode());
        final int bucket = Math.floorMod(mix, 100);
        final int within = Math.floorMod(mix >>> 8, 6 * BLOCK);
        return bucket < 15 ? CacheConfig.DEFAULT_MMAP_THRESHOLD - 3 * BLOCK + within : Values.TAG_LENGTH + within;
    }

    /**
     * One thread's bounded random walk over the operations.
     */
    private static final class Worker
    {
        private final RawDiskCache cache;
        private final AtomicLongArray issued;
        private final AtomicLong hits;
        private final AtomicLong misses;
        private final Path transferFile;
        private final SplittableRandom random;
        private CachedEntry held;
        private String heldKey;
        private long heldVersion;

        Worker(final RawDiskCache cache, final AtomicLongArray issued, final AtomicLong hits, final AtomicLong misses,
               final Path transferFile, final int seed)
        {
            this.cache = cache;
            this.issued = issued;
            this.hits = hits;
            this.misses = misses;
            this.transferFile = transferFile;
            this.random = new SplittableRandom(0xC0FFEEL + seed);
        }

        void run() throws IOException
        {
            try (FileChannel sink = FileChannel.open(transferFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE))
            {
                for (int i = 0; i < ITERATIONS; i++)
                {
                    final int k = random.nextInt(KEYS);
                    final String key = key(k);
                    final int op = random.nextInt(100);
                    if (op < 35)
                    {
                        final long version = issued.incrementAndGet(k);
                        cache.store(key, Values.of(key, version, sizeOf(key, version)));
                    }
                    else if (op < 55)
                    {
                        final ByteBuffer value = cache.lookup(key);
                        if (count(value != null))
                        {
                            assertEquals(0, value.position());
                            check(k, Values.bytes(value));
                        }
                    }
                    else if (op < 75)
                    {
                        zeroCopy(k);
                    }
                    else if (op < 90)
                    {
                        sink.truncate(0);
                        final long sent = cache.transferTo(key, sink);
                        if (count(sent >= 0))
                        {
                            final ByteBuffer back = ByteBuffer.allocate((int)sent);
                            while (back.hasRemaining() && sink.read(back, back.position()) >= 0)
                            {
                                Thread.onSpinWait();
                            }
                            assertEquals(sent, sink.size(), "transferTo sends exactly the value");
                            check(k, back.array());
                        }
                    }
                    else
                    {
                        cache.remove(key);
                    }
                    if (held != null)
                    {
                        assertValue(heldKey, heldVersion, sizeOf(heldKey, heldVersion), concat(held.buffers()));
                    }
                }
            }
            finally
            {
                if (held != null)
                {
                    held.close();
                }
            }
        }

        private void zeroCopy(final int k)
        {
            final String key = key(k);
            final CachedEntry entry = cache.lookupZeroCopy(key);
            if (!count(entry != null))
            {
                return;
            }
            final byte[] bytes = concat(entry.buffers());
            assertEquals(bytes.length, entry.size());
            final long version = check(k, bytes);
            if (random.nextInt(100) < 30)
            {
                if (held != null)
                {
                    held.close();
                }
                held = entry;
                heldKey = key;
                heldVersion = version;
            }
            else
            {
                entry.close();
            }
        }

        private boolean count(final boolean hit)
        {
            (hit ? hits : misses).incrementAndGet();
            return hit;
        }

        private long check(final int k, final byte[] bytes)
        {
            final String key = key(k);
            final long version = Values.claimedVersion(key, bytes);
            assertTrue(version >= 1 && version <= issued.get(k),
                "read version " + version + " of " + key + " but only " + issued.get(k) + " were written");
            assertValue(key, version, sizeOf(key, version), bytes);
            return version;
        }
    }
}
