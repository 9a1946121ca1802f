package dev.rawcache;

import dev.rawcache.format.EntryHeaderDescriptor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static dev.rawcache.Values.assertLookup;
import static dev.rawcache.Values.assertValue;
import static dev.rawcache.Values.concat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Covers eviction: exact LRU order, expired entries before LRU ones, and a cache kept full by stores of mixed sizes
 * and by overwrites that never fails a store, never loses the latest version and never leaks a block.
 */
class RawDiskCacheEvictionTest
{
    private static final int BLOCK = CacheConfig.DEFAULT_BLOCK_SIZE;
    /**
     * 63 data blocks for entries (besides the spare set aside for the first checkpoint): room for exactly 21 entries
     * of 3 blocks.
     */
    private static final int ENTRY_BLOCKS = 63;
    private static final int ENTRIES_WHEN_FULL = 21;

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(ReadPath.class)
    void shouldEvictExactlyTheLeastRecentlyUsedEntriesWhenFull(final ReadPath path) throws IOException
    {
        try (RawDiskCache cache = open(path, CacheConfig.builder(dir.resolve("lru.cache")));
             FileChannel sink = FileChannel.open(dir.resolve("sink"), StandardOpenOption.CREATE,
                 StandardOpenOption.WRITE))
        {
            final List<String> expected = new ArrayList<>();
            for (int i = 0; i < ENTRIES_WHEN_FULL; i++)
            {
                cache.store(key(i), threeBlocks(key(i), 1));
                expected.add(key(i));
            }
            assertEquals(0, cache.stats().freeBlocks(), "21 entries of 3 blocks fill 63 data blocks");
            assertEquals(ENTRY_BLOCKS, TestCaches.entryBlocks(cache));
            assertEquals(expected, cache.keysInEvictionOrder());

            assertNotNull(cache.lookup(key(0)));
            try (CachedEntry entry = cache.lookupZeroCopy(key(5)))
            {
                assertNotNull(entry);
            }
            assertTrue(cache.transferTo(key(10), sink) > 0);
            assertTrue(cache.contains(key(1)), "contains reads the index only");
            expected.removeAll(List.of(key(0), key(5), key(10)));
            expected.addAll(List.of(key(0), key(5), key(10)));
            assertEquals(expected, cache.keysInEvictionOrder(), "every read API makes its key most recent");

            for (int i = ENTRIES_WHEN_FULL; i < ENTRIES_WHEN_FULL + 3; i++)
            {
                cache.store(key(i), threeBlocks(key(i), 1));
                expected.add(key(i));
            }
            expected.removeAll(List.of(key(1), key(2), key(3)));
            assertEquals(expected, cache.keysInEvictionOrder());
            assertEquals(3, cache.stats().evictions());
            assertEquals(0, cache.stats().expirations());
            assertEquals(ENTRIES_WHEN_FULL, cache.stats().entries());
            TestCaches.assertNoCheckpointRan(cache);
            for (int i = 0; i < ENTRIES_WHEN_FULL + 3; i++)
            {
                final boolean evicted = i >= 1 && i <= 3;
                assertEquals(!evicted, cache.contains(key(i)), key(i));
                if (!evicted)
                {
                    assertLookup(key(i), 1, threeBlockSize(key(i)), cache.lookup(key(i)));
                }
            }
        }
    }

    @Test
    void shouldTreatAnOverwriteAsTheMostRecentUse()
    {
        try (RawDiskCache cache = open(ReadPath.DEFAULT, CacheConfig.builder(dir.resolve("overwrite.cache"))))
        {
            for (int i = 0; i < ENTRIES_WHEN_FULL; i++)
            {
                cache.store(key(i), threeBlocks(key(i), 1));
            }
            cache.store(key(0), threeBlocks(key(0), 2));
            cache.store(key(99), threeBlocks(key(99), 1));
            assertTrue(cache.contains(key(0)), "the overwritten key was used most recently");
            assertFalse(cache.contains(key(1)), "the least recently used key is evicted");
            assertLookup(key(0), 2, threeBlockSize(key(0)), cache.lookup(key(0)));
        }
    }

    @Test
    void shouldEvictExpiredEntriesSoonestFirstBeforeLeastRecentlyUsedOnes()
    {
        final ManualClock clock = new ManualClock();
        try (RawDiskCache cache = open(ReadPath.DEFAULT, CacheConfig.builder(dir.resolve("ttl.cache")).clock(clock)))
        {
            for (int i = 0; i < ENTRIES_WHEN_FULL; i++)
            {
                final Duration ttl = switch (i)
                {
                    case 10 -> Duration.ofSeconds(90);
                    case 11 -> Duration.ofSeconds(30);
                    case 12 -> Duration.ofSeconds(60);
                    default -> null;
                };
                cache.store(key(i), ByteBuffer.wrap(threeBlocks(key(i), 1)), ttl);
            }
            for (final int touched : new int[]{10, 11, 12})
            {
                assertLookup(key(touched), 1, threeBlockSize(key(touched)), cache.lookup(key(touched)));
            }
            clock.advance(Duration.ofSeconds(100));

            final String[] victims = {key(11), key(12), key(10), key(0)};
            for (int n = 0; n < victims.length; n++)
            {
                cache.store(key(50 + n), threeBlocks(key(50 + n), 1));
                final List<String> order = cache.keysInEvictionOrder();
                for (int v = 0; v < victims.length; v++)
                {
                    assertEquals(v > n, order.contains(victims[v]), "after store " + n + ": " + victims[v]);
                }
            }
            assertEquals(3, cache.stats().expirations(), "the three expired entries went first");
            assertEquals(1, cache.stats().evictions(), "then the least recently used one");
            assertEquals(0, cache.stats().storeFailures());
            TestCaches.assertNoCheckpointRan(cache);
            for (int i = 1; i < ENTRIES_WHEN_FULL; i++)
            {
                if (i < 10 || i > 12)
                {
                    assertLookup(key(i), 1, threeBlockSize(key(i)), cache.lookup(key(i)));
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(ReadPath.class)
    void shouldNeverFailAStoreAndKeepLatestVersionsWhenFilledToThreeTimesCapacity(final ReadPath path)
    {
        final long blocks = 1024;
        try (RawDiskCache cache = TestCaches.openQuiet(TestCaches.quiet(path,
            CacheConfig.builder(dir.resolve("mixed.cache")), blocks - 1).build(), blocks - 1))
        {
            final long capacity = blocks * BLOCK;
            final int maxSize = (int)(capacity / 8);
            final Random random = new Random(0x5EED_0001L);
            final Map<String, Long> versions = new HashMap<>();
            final Map<String, Integer> sizes = new HashMap<>();
            long stored = 0;
            int storesDone = 0;
            while (stored < 3 * capacity)
            {
                final String key = "GET /mixed/" + random.nextInt(200);
                final long version = versions.merge(key, 1L, Long::sum);
                final int size = Math.min(maxSize, 1 + (int)Math.exp(random.nextDouble() * Math.log(maxSize)));
                cache.store(key, Values.of(key, version, size));
                sizes.put(key, size);
                stored += size;
                storesDone++;
                assertLookup(key, version, sizes.get(key), cache.lookup(key));
            }

            int present = 0;
            for (final Map.Entry<String, Long> latest : versions.entrySet())
            {
                final String key = latest.getKey();
                if (!cache.contains(key))
                {
                    continue;
                }
                present++;
                assertLookup(key, latest.getValue(), sizes.get(key), cache.lookup(key));
                try (CachedEntry entry = cache.lookupZeroCopy(key))
                {
                    assertNotNull(entry, key);
                    assertEquals(path.maps(sizes.get(key)), entry.isMapped());
                    assertValue(key, latest.getValue(), sizes.get(key), concat(entry.buffers()));
                }
            }
            final CacheStats stats = cache.stats();
            assertEquals(storesDone, stats.stores());
            assertEquals(0, stats.storeFailures());
            assertTrue(stats.evictions() > 0, "three times the capacity must evict");
            assertTrue(present > 0, "some keys are still present");
            assertEquals(present, stats.entries(), "entries counter against present keys");
            assertEquals(cache.superblock().dataBlockCount(), stats.usedBlocks() + stats.freeBlocks(),
                "used plus free blocks against the data region");
            assertEquals(present, cache.keysInEvictionOrder().size());
            TestCaches.assertNoCheckpointRan(cache);
        }
    }

    @ParameterizedTest
    @EnumSource(ReadPath.class)
    void shouldOverwriteKeysThousandsOfTimesInATinyCacheWithoutRunningOutOfSpaceOrLeakingBlocks(final ReadPath path)
    {
        try (RawDiskCache cache = TestCaches.openQuiet(TestCaches.quiet(path,
            CacheConfig.builder(dir.resolve("tiny.cache")), 31).build(), 31))
        {
            final long dataBlocks = cache.superblock().dataBlockCount();
            final String[] keys = {"hot", "a", "b", "c"};
            final Map<String, Long> versions = new HashMap<>();
            final Map<String, Integer> sizes = new HashMap<>();
            final Random random = new Random(0x5EED_0002L);
            final int iterations = 2500;
            for (int i = 0; i < iterations; i++)
            {
                final String key = random.nextInt(10) < 7 ? keys[0] : keys[1 + random.nextInt(3)];
                final long version = versions.merge(key, 1L, Long::sum);
                final int size = random.nextInt(8) == 0 ? random.nextInt(16) : random.nextInt(24 * BLOCK);
                cache.store(key, Values.of(key, version, size));
                sizes.put(key, size);
                if ((i & 1) == 0)
                {
                    assertLookup(key, version, size, cache.lookup(key));
                }
                else
                {
                    try (CachedEntry entry = cache.lookupZeroCopy(key))
                    {
                        assertNotNull(entry, key);
                        assertValue(key, version, size, concat(entry.buffers()));
                    }
                }
                if (i % 100 == 0)
                {
                    for (final String other : keys)
                    {
                        if (cache.contains(other))
                        {
                            assertLookup(other, versions.get(other), sizes.get(other), cache.lookup(other));
                        }
                    }
                    final CacheStats stats = cache.stats();
                    assertEquals(dataBlocks, stats.usedBlocks() + stats.freeBlocks(), "after " + i + " stores");
                }
            }
            assertEquals(iterations, cache.stats().stores());
            assertEquals(0, cache.stats().storeFailures());

            for (final String key : keys)
            {
                cache.remove(key);
            }
            cache.reclaimClosedViews();
            final CacheStats stats = cache.stats();
            assertEquals(0, stats.entries());
            TestCaches.assertNoCheckpointRan(cache);
            TestCaches.assertNoLeak(cache, "after thousands of overwrites");
            final long room = TestCaches.entryRoom(cache);
            assertEquals(room, stats.freeBlocks(), "every data block but the checkpoints' is free again");
            final String whole = "whole";
            final int size = (int)room * BLOCK - EntryHeaderDescriptor.headerLength(whole.length(), 1);
            cache.store(whole, Values.of(whole, 1, size));
            assertLookup(whole, 1, size, cache.lookup(whole));
        }
    }

    private static RawDiskCache open(final ReadPath path, final CacheConfig.Builder builder)
    {
        return TestCaches.openQuiet(TestCaches.quiet(path, builder, ENTRY_BLOCKS).build(), ENTRY_BLOCKS);
    }

    private static String key(final int i)
    {
        return String.format("key-%02d", i);
    }

    private static int threeBlockSize(final String key)
    {
        return 3 * BLOCK - EntryHeaderDescriptor.headerLength(key.length(), 1);
    }

    private static byte[] threeBlocks(final String key, final long version)
    {
        return Values.of(key, version, threeBlockSize(key));
    }
}
