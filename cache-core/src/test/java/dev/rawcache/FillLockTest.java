package dev.rawcache;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The fill lock against the thundering herd: 32 concurrent misses on one key make one origin fetch and all read its
 * result; a writer that dies is taken over after the timeout by exactly one follower; a writer that gives up lets
 * the next caller fill.
 */
class FillLockTest
{
    private static final int REQUESTERS = 32;
    private static final int SIZE = 50_000;

    @TempDir
    Path dir;

    private RawDiskCache open()
    {
        return RawDiskCache.open(CacheConfig.builder(dir.resolve("fill.cache")).capacityBytes(8L << 20).build());
    }

    /** A request as a proxy makes it: look up; on a miss, fill under the lock or wait and look again. */
    private static ByteBuffer request(final RawDiskCache cache, final String key, final AtomicInteger originFetches,
                                      final long fetchMillis) throws InterruptedException
    {
        while (true)
        {
            final ByteBuffer hit = cache.lookup(key);
            if (hit != null)
            {
                return hit;
            }
            try (FillPermit permit = cache.lockForFill(key, Duration.ofSeconds(10)))
            {
                if (permit.isWriter())
                {
                    originFetches.incrementAndGet();
                    Thread.sleep(fetchMillis);
                    final ByteBuffer value = Values.buffer(key, 1, SIZE);
                    cache.store(key, value);
                    return value;
                }
            }
        }
    }

    @Test
    void shouldFetchFromTheOriginOnceForThirtyTwoConcurrentMisses() throws Exception
    {
        try (RawDiskCache cache = open())
        {
            final AtomicInteger originFetches = new AtomicInteger();
            final CountDownLatch start = new CountDownLatch(1);
            final ExecutorService pool = Executors.newFixedThreadPool(REQUESTERS);
            try
            {
                final List<Future<ByteBuffer>> results = new ArrayList<>();
                for (int i = 0; i < REQUESTERS; i++)
                {
                    results.add(pool.submit(() ->
                    {
                        start.await();
                        return request(cache, "hot", originFetches, 200);
                    }));
                }
                start.countDown();
                for (final Future<ByteBuffer> result : results)
                {
                    Values.assertValue("hot", 1, SIZE, Values.bytes(result.get(30, TimeUnit.SECONDS)));
                }
            }
            finally
            {
                pool.shutdownNow();
            }
            assertEquals(1, originFetches.get(), "exactly one origin fetch");
            assertEquals(1, cache.stats().stores());
        }
    }

    @Test
    void shouldLetExactlyOneFollowerTakeOverAWriterThatHoldsTheFillTooLong() throws Exception
    {
        try (RawDiskCache cache = open())
        {
            final FillPermit dead = cache.lockForFill("k", Duration.ofSeconds(1));
            assertEquals(FillPermit.Outcome.WRITER, dead.outcome());
            final ExecutorService pool = Executors.newFixedThreadPool(4);
            try
            {
                final List<Future<FillPermit>> followers = new ArrayList<>();
                for (int i = 0; i < 4; i++)
                {
                    followers.add(pool.submit(() -> cache.lockForFill("k", Duration.ofMillis(200))));
                }
                int tookOver = 0;
                FillPermit writer = null;
                for (final Future<FillPermit> follower : followers)
                {
                    final FillPermit permit = follower.get(10, TimeUnit.SECONDS);
                    if (permit.outcome() == FillPermit.Outcome.TOOK_OVER)
                    {
                        tookOver++;
                        writer = permit;
                    }
                    else
                    {
                        assertEquals(FillPermit.Outcome.FILLED_BY_OTHER, permit.outcome());
                    }
                }
                assertEquals(1, tookOver, "one follower takes over");
                assertFalse(dead.isHeld(), "the stale writer learns it lost the fill");
                dead.close();
                assertTrue(writer.isHeld(), "closing the stale permit does not end the new fill");
                writer.close();
                assertEquals(FillPermit.Outcome.WRITER, cache.lockForFill("k", Duration.ofSeconds(1)).outcome());
            }
            finally
            {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void shouldLetTheNextCallerFillWhenTheWriterGivesUp() throws Exception
    {
        try (RawDiskCache cache = open())
        {
            final FillPermit first = cache.lockForFill("k", Duration.ofSeconds(5));
            final ExecutorService pool = Executors.newSingleThreadExecutor();
            try
            {
                final Future<FillPermit> follower = pool.submit(() -> cache.lockForFill("k", Duration.ofSeconds(5)));
                Thread.sleep(50);
                first.close();
                assertEquals(FillPermit.Outcome.FILLED_BY_OTHER, follower.get(5, TimeUnit.SECONDS).outcome());
                assertNull(cache.lookup("k"), "the writer stored nothing");
                try (FillPermit again = cache.lockForFill("k", Duration.ofSeconds(5)))
                {
                    assertTrue(again.isWriter(), "the next caller fills");
                }
            }
            finally
            {
                pool.shutdownNow();
            }
            assertThrows(IllegalArgumentException.class, () -> cache.lockForFill("k", Duration.ZERO));
        }
    }
}
