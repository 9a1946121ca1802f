package dev.rawcache;

import dev.rawcache.io.CacheIoException;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.rawcache.Values.assertLookup;
import static dev.rawcache.Values.assertValue;
import static dev.rawcache.Values.concat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Covers pinned zero-copy views: a mapped entry keeps showing its own bytes across overwrite, remove, eviction and
 * cache close, holds its blocks until it is closed (and its grace period ended), and never shows foreign bytes.
 */
class CachedEntryTest
{
    private static final int BLOCK = CacheConfig.DEFAULT_BLOCK_SIZE;
    private static final int SIZE = 5 * BLOCK + 123;

    @TempDir
    Path dir;

    @Test
    void shouldKeepShowingOriginalBytesAcrossOverwriteAndFreeItsBlocksOnlyAfterClose()
    {
        try (RawDiskCache cache = open(63, null))
        {
            final long freeEmpty = cache.stats().freeBlocks();
            cache.store("k", Values.of("k", 1, SIZE));
            final long freeWithOne = cache.stats().freeBlocks();
            final long blocksEach = freeEmpty - freeWithOne;
            assertEquals(blocksEach, TestCaches.entryBlocks(cache));
            final CachedEntry view = cache.lookupZeroCopy("k");
            assertNotNull(view);
            assertTrue(view.isMapped());
            final ByteBuffer early = view.buffers()[0];

            cache.store("k", Values.of("k", 2, SIZE));
            cache.reclaimClosedViews();
            assertEquals(freeWithOne - blocksEach, cache.stats().freeBlocks(), "the replaced entry is still pinned");
            assertEquals(2 * blocksEach, TestCaches.entryBlocks(cache));
            assertValue("k", 1, SIZE, concat(view.buffers()));
            assertLookup("k", 2, SIZE, cache.lookup("k"));
            assertEquals(1, cache.stats().entries());

            view.close();
            assertTrue(view.isClosed());
            final IllegalStateException closed = assertThrows(IllegalStateException.class, view::buffers);
            assertTrue(closed.getMessage().contains("k"), closed.getMessage());
            assertOwnBytesOrInvalid(early, Values.of("k", 1, SIZE));

            cache.reclaimClosedViews();
            assertEquals(freeWithOne, cache.stats().freeBlocks(), "the old blocks are free once the view is closed");
            assertEquals(blocksEach, TestCaches.entryBlocks(cache));
            assertThrows(IllegalStateException.class, () -> early.get(0),
                "a buffer obtained before close must not be readable once its blocks are free");
            view.close();
            cache.reclaimClosedViews();
            assertEquals(freeWithOne, cache.stats().freeBlocks(), "a second close releases nothing more");
            assertLookup("k", 2, SIZE, cache.lookup("k"));
        }
    }

    @Test
    void shouldNeverShowAnotherEntrysBytesThroughABufferUsedAfterClose()
    {
        try (RawDiskCache cache = open(31, null))
        {
            final byte[] original = Values.of("k", 1, SIZE);
            cache.store("k", original);
            final ByteBuffer early;
            try (CachedEntry view = cache.lookupZeroCopy("k"))
            {
                assertNotNull(view);
                early = view.buffers()[0];
            }
            cache.remove("k");
            for (int i = 0; i < 30; i++)
            {
                final String other = "other-" + i;
                cache.store(other, Values.of(other, 1, SIZE));
                assertOwnBytesOrInvalid(early, original);
            }
            assertTrue(cache.stats().evictions() > 0, "the stores evicted to make room");
            cache.reclaimClosedViews();
            assertThrows(IllegalStateException.class, () -> early.get(0), "invalid once its grace period ended");
        }
    }

    @Test
    void shouldKeepShowingOriginalBytesAfterRemoveAndReuseNoBlockUntilClosed()
    {
        try (RawDiskCache cache = open(63, null))
        {
            final long dataBlocks = cache.superblock().dataBlockCount();
            final long freeEmpty = cache.stats().freeBlocks();
            cache.store("k", Values.of("k", 1, SIZE));
            final long blocksEach = freeEmpty - cache.stats().freeBlocks();
            try (CachedEntry view = cache.lookupZeroCopy("k"))
            {
                assertNotNull(view);
                assertTrue(cache.remove("k"));
                assertFalse(cache.contains("k"));
                assertEquals(0, cache.stats().entries());
                cache.reclaimClosedViews();
                assertEquals(freeEmpty - blocksEach, cache.stats().freeBlocks(), "removed but pinned");
                for (int i = 0; i < 40; i++)
                {
                    final String other = "other-" + i;
                    cache.store(other, Values.of(other, 1, 2 * BLOCK));
                    assertValue("k", 1, SIZE, concat(view.buffers()));
                }
                cache.reclaimClosedViews();
                assertTrue(TestCaches.entryBlocks(cache) >= blocksEach, "the removed entry's blocks stay used");
            }
            cache.reclaimClosedViews();
            final CacheStats stats = cache.stats();
            assertEquals(dataBlocks, stats.usedBlocks() + stats.freeBlocks());
            for (int i = 0; i < 40; i++)
            {
                final String other = "other-" + i;
                if (cache.contains(other))
                {
                    assertLookup(other, 1, 2 * BLOCK, cache.lookup(other));
                }
            }
        }
    }

    @Test
    void shouldNotEvictAnEntryPinnedByAReaderForLeastRecentUse()
    {
        try (RawDiskCache cache = open(63, null))
        {
            cache.store("pinned", Values.of("pinned", 1, SIZE));
            try (CachedEntry view = cache.lookupZeroCopy("pinned"))
            {
                assertNotNull(view);
                for (int i = 0; i < 60; i++)
                {
                    final String other = "other-" + i;
                    cache.store(other, Values.of(other, 1, 2 * BLOCK));
                }
                assertTrue(cache.stats().evictions() > 0, "the cache was filled past capacity");
                assertTrue(cache.contains("pinned"), "a pinned entry is skipped by LRU eviction");
                assertEquals("pinned", cache.keysInEvictionOrder().getFirst(), "it is still the least recent");
                assertValue("pinned", 1, SIZE, concat(view.buffers()));
            }
            cache.reclaimClosedViews();
            cache.store("after", Values.of("after", 1, 2 * BLOCK));
            assertFalse(cache.contains("pinned"), "once closed and its grace period over, the least recent goes first");
        }
    }

    @Test
    void shouldKeepShowingOriginalBytesWhenItsExpiredEntryIsEvicted()
    {
        final ManualClock clock = new ManualClock();
        try (RawDiskCache cache = open(63, clock))
        {
            final long dataBlocks = cache.superblock().dataBlockCount();
            final long freeEmpty = cache.stats().freeBlocks();
            cache.store("k", Values.buffer("k", 1, SIZE), Duration.ofSeconds(5));
            final long blocksEach = freeEmpty - cache.stats().freeBlocks();
            final CachedEntry view = cache.lookupZeroCopy("k");
            assertNotNull(view);
            clock.advance(Duration.ofSeconds(6));
            for (int i = 0; i < 60; i++)
            {
                final String other = "other-" + i;
                cache.store(other, Values.of(other, 1, 2 * BLOCK));
                assertValue("k", 1, SIZE, concat(view.buffers()));
            }
            assertEquals(1, cache.stats().expirations(), "the expired pinned entry was evicted");
            assertFalse(cache.keysInEvictionOrder().contains("k"));
            cache.reclaimClosedViews();
            final long usedBefore = cache.stats().usedBlocks();
            view.close();
            cache.reclaimClosedViews();
            assertEquals(usedBefore - blocksEach, cache.stats().usedBlocks(), "its blocks come back on close");
            assertEquals(dataBlocks, cache.stats().usedBlocks() + cache.stats().freeBlocks());
        }
    }

    @Test
    void shouldRefuseAStoreWithNoSpaceAndKeepEveryEntryWhenReadersPinTheWholeCache()
    {
        try (RawDiskCache cache = open(15, null))
        {
            final int half = (int)(TestCaches.entryRoom(cache) / 2) * BLOCK - 200;
            cache.store("a", Values.of("a", 1, half));
            cache.store("b", Values.of("b", 1, half));
            try (CachedEntry a = cache.lookupZeroCopy("a"); CachedEntry b = cache.lookupZeroCopy("b"))
            {
                assertNotNull(a);
                assertNotNull(b);
                final CacheIoException full = assertThrows(CacheIoException.class,
                    () -> cache.store("c", Values.of("c", 1, half)));
                assertEquals(CacheIoException.Reason.NO_SPACE, full.reason());
                assertTrue(full.getMessage().contains("c"), full.getMessage());
                final CacheIoException own = assertThrows(CacheIoException.class,
                    () -> cache.store("a", Values.of("a", 2, half)));
                assertEquals(CacheIoException.Reason.NO_SPACE, own.reason());
                assertEquals(2, cache.stats().storeFailures());
                assertValue("a", 1, half, concat(a.buffers()));
                assertValue("b", 1, half, concat(b.buffers()));
            }
            assertLookup("a", 1, half, cache.lookup("a"));
            assertLookup("b", 1, half, cache.lookup("b"));
            cache.store("c", Values.of("c", 1, half));
            assertLookup("c", 1, half, cache.lookup("c"));
        }
    }

    @Test
    void shouldKeepReadingAfterTheCacheIsClosedAndCloseCleanlyAfterwards()
    {
        final RawDiskCache cache = open(63, null);
        cache.store("k", Values.of("k", 1, SIZE));
        cache.store("replaced", Values.of("replaced", 1, SIZE));
        final CachedEntry view = cache.lookupZeroCopy("k");
        final CachedEntry replaced = cache.lookupZeroCopy("replaced");
        assertNotNull(view);
        assertNotNull(replaced);
        cache.store("replaced", Values.of("replaced", 2, SIZE));
        final ByteBuffer early = view.buffers()[0];
        cache.close();
        assertTrue(cache.isClosed());

        assertValue("k", 1, SIZE, concat(view.buffers()));
        assertValue("replaced", 1, SIZE, concat(replaced.buffers()));
        assertEquals(Values.of("k", 1, SIZE)[7], early.get(7), "the mapping outlives the cache while viewed");
        view.close();
        replaced.close();
        assertThrows(IllegalStateException.class, view::buffers);
        assertThrows(IllegalStateException.class, () -> early.get(0),
            "with the cache closed, the last view's close ends the grace period");
        cache.close();
    }

    @Test
    void shouldHandOutAPrivateCopyBelowTheThresholdThatStillRefusesBuffersAfterClose()
    {
        final CacheConfig config = TestCaches.quiet(CacheConfig.builder(dir.resolve("copy.cache")), BLOCK, 63)
            .mmapThreshold(SIZE + 1).build();
        try (RawDiskCache cache = TestCaches.openQuiet(config, 63))
        {
            cache.store("k", Values.of("k", 1, SIZE));
            final CachedEntry copy = cache.lookupZeroCopy("k");
            assertNotNull(copy);
            assertFalse(copy.isMapped());
            cache.store("k", Values.of("k", 2, SIZE));
            cache.remove("k");
            cache.reclaimClosedViews();
            assertEquals(TestCaches.entryRoom(cache), cache.stats().freeBlocks(), "a copy pins nothing");
            TestCaches.assertNoLeak(cache, "after the copied entry was replaced and removed");
            assertValue("k", 1, SIZE, concat(copy.buffers()));
            copy.close();
            assertThrows(IllegalStateException.class, copy::buffers);
        }
    }

    /**
     * A buffer used after its view was closed may still show its own entry's bytes, until the grace period ends, or
     * throw; it must never show other bytes.
     */
    private static void assertOwnBytesOrInvalid(final ByteBuffer early, final byte[] original)
    {
        try
        {
            final byte[] seen = Values.bytes(early);
            assertArrayEquals(Arrays.copyOf(original, seen.length), seen, "a closed view showed foreign bytes");
        }
        catch (final IllegalStateException invalidated)
        {
            // the grace period has ended: the buffer refuses access
        }
    }

    /**
     * A mapped cache whose entries have {@code entryBlocks} data blocks to themselves, with a journal so large that no
     * checkpoint runs before close.
     */
    private RawDiskCache open(final long entryBlocks, final ManualClock clock)
    {
        final CacheConfig.Builder builder = TestCaches.quiet(ReadPath.MAPPED,
            CacheConfig.builder(dir.resolve("pin.cache")), entryBlocks);
        return TestCaches.openQuiet(clock == null ? builder.build() : builder.clock(clock).build(), entryBlocks);
    }
}
