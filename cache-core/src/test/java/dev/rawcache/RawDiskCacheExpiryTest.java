package dev.rawcache;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static dev.rawcache.Values.assertLookup;
import static dev.rawcache.Values.assertValue;
import static dev.rawcache.Values.concat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Covers time to live: per-entry and default TTLs expire on a manual clock into counted misses that free their
 * blocks, while unexpired entries and entries without a TTL keep hitting.
 */
class RawDiskCacheExpiryTest
{
    private static final int SIZE = 70_000;

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(ReadPath.class)
    void shouldMissOnAnEntryWhosePerEntryTtlHasPassedAndKeepHittingUnexpiredOnes(final ReadPath path)
    {
        final ManualClock clock = new ManualClock();
        try (RawDiskCache cache = open(path, clock, null))
        {
            final long emptyFree = cache.stats().freeBlocks();
            cache.store("short", Values.buffer("short", 1, SIZE), Duration.ofSeconds(10));
            cache.store("long", Values.buffer("long", 1, SIZE), Duration.ofMinutes(10));
            cache.store("forever", Values.of("forever", 1, SIZE));
            final long blocksEach = (emptyFree - cache.stats().freeBlocks()) / 3;

            clock.advance(Duration.ofMillis(9_999));
            assertTrue(cache.contains("short"), "fresh one millisecond before its TTL");
            assertLookup("short", 1, SIZE, cache.lookup("short"));

            clock.advance(Duration.ofMillis(1));
            assertFalse(cache.contains("short"), "expired exactly when its TTL has passed");
            final CacheStats before = cache.stats();
            assertNull(cache.lookup("short"));
            cache.reclaimClosedViews();
            final CacheStats after = cache.stats();
            assertEquals(1, after.expirations() - before.expirations(), "expirations");
            assertEquals(1, after.misses() - before.misses(), "misses");
            assertEquals(0, after.hits() - before.hits(), "hits");
            assertEquals(before.entries() - 1, after.entries(), "the expired entry leaves the index");
            assertEquals(emptyFree - 2 * blocksEach, after.freeBlocks(), "its blocks are free again");
            assertNull(cache.lookup("short"), "still a miss");
            assertEquals(1, cache.stats().expirations(), "an expired entry is counted once");

            assertLookup("long", 1, SIZE, cache.lookup("long"));
            assertLookup("forever", 1, SIZE, cache.lookup("forever"));
            clock.advance(Duration.ofDays(3650));
            assertFalse(cache.contains("long"));
            assertTrue(cache.contains("forever"), "an entry stored without TTL never expires");
            assertLookup("forever", 1, SIZE, cache.lookup("forever"));
        }
    }

    @ParameterizedTest
    @EnumSource(ReadPath.class)
    void shouldExpireEntriesStoredWithoutTtlAfterTheDefaultTtl(final ReadPath path) throws IOException
    {
        final ManualClock clock = new ManualClock();
        try (RawDiskCache cache = open(path, clock, Duration.ofSeconds(60));
             FileChannel sink = FileChannel.open(dir.resolve("sink"), StandardOpenOption.CREATE,
                 StandardOpenOption.WRITE))
        {
            cache.store("default", Values.of("default", 1, SIZE));
            cache.store("buffer", Values.buffer("buffer", 1, SIZE), Duration.ofSeconds(120));
            cache.store("none", Values.buffer("none", 1, SIZE), null);

            clock.advance(Duration.ofSeconds(59));
            try (CachedEntry entry = cache.lookupZeroCopy("default"))
            {
                assertNotNull(entry);
                assertValue("default", 1, SIZE, concat(entry.buffers()));
            }
            clock.advance(Duration.ofSeconds(1));
            assertFalse(cache.contains("default"));
            assertNull(cache.lookupZeroCopy("default"), "zero-copy lookup misses an expired entry");
            assertEquals(-1, cache.transferTo("default", sink), "transferTo misses an expired entry");
            assertEquals(1, cache.stats().expirations());

            assertTrue(cache.contains("buffer"), "an explicit TTL overrides the default");
            clock.advance(Duration.ofSeconds(60));
            assertEquals(-1, cache.transferTo("buffer", sink));
            assertEquals(2, cache.stats().expirations());
            assertEquals(0, sink.size(), "nothing was sent for expired entries");

            assertTrue(cache.contains("none"), "a null TTL means no expiry even with a default");
            assertLookup("none", 1, SIZE, cache.lookup("none"));
            assertEquals(1, cache.stats().entries());
        }
    }

    @ParameterizedTest
    @EnumSource(ReadPath.class)
    void shouldReplaceAnExpiredEntryByANewStoreOfTheSameKey(final ReadPath path)
    {
        final ManualClock clock = new ManualClock();
        try (RawDiskCache cache = open(path, clock, null))
        {
            cache.store("k", Values.buffer("k", 1, SIZE), Duration.ofSeconds(1));
            clock.advance(Duration.ofSeconds(2));
            cache.store("k", Values.buffer("k", 2, SIZE), Duration.ofSeconds(1));
            assertTrue(cache.contains("k"));
            assertLookup("k", 2, SIZE, cache.lookup("k"));
            assertEquals(1, cache.stats().entries());
            clock.advance(Duration.ofSeconds(1));
            assertNull(cache.lookup("k"));
            assertEquals(0, cache.stats().entries());
            cache.reclaimClosedViews();
            assertEquals(TestCaches.entryRoom(cache), cache.stats().freeBlocks());
            TestCaches.assertNoLeak(cache, "after the replaced entry expired");
        }
    }

    private RawDiskCache open(final ReadPath path, final ManualClock clock, final Duration defaultTtl)
    {
        return TestCaches.openQuiet(TestCaches.quiet(path, CacheConfig.builder(dir.resolve("ttl.cache")), 255)
            .clock(clock).defaultTtl(defaultTtl).build(), 255);
    }
}
