package dev.rawcache;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/**
 * updateMetadata: new headers for a large body take a few new blocks, not a rewrite; readers of the old entry keep
 * its bytes and metadata; repeated updates leak nothing; the update survives a restart; small values are rewritten
 * whole; a missing key is refused.
 */
class MetadataUpdateTest
{
    private static final int BLOCK = 4096;
    private static final int SIZE = 1 << 20;

    @TempDir
    Path dir;

    private static ByteBuffer headers(final String etag)
    {
        return ByteBuffer.wrap(("HTTP/1.1 200 OK\r\netag: \"" + etag + "\"\r\ncache-control: max-age=60\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    }

    private CacheConfig config(final String name)
    {
        return CacheConfig.builder(dir.resolve(name)).capacityBytes(16L << 20).journalBytes(1 << 20).build();
    }

    private static byte[] metadataOf(final EntryReader reader)
    {
        return Values.bytes(reader.metadata());
    }

    private static byte[] body(final EntryReader reader)
    {
        final ByteBuffer all = ByteBuffer.allocate((int)reader.size());
        reader.seek(0, reader.size());
        while (reader.read(all) > 0)
        {
            // read to the end
        }
        return all.array();
    }

    @Test
    void shouldReplaceTheMetadataOfALargeBodyWithoutRewritingIt()
    {
        try (RawDiskCache cache = RawDiskCache.open(config("update.cache")))
        {
            cache.store("video", Values.buffer("video", 1, SIZE), headers("v1"), null);
            cache.reclaimClosedViews();
            final long usedBefore = cache.stats().usedBlocks() - cache.stats().checkpointBlocks();
            try (EntryReader before = cache.openReader("video"))
            {
                assertTrue(cache.updateMetadata("video", headers("v2")));
                cache.reclaimClosedViews();
                final long usedDuring = cache.stats().usedBlocks() - cache.stats().checkpointBlocks();
                assertTrue(usedDuring - usedBefore <= 2, "the update took " + (usedDuring - usedBefore) +
                    " new blocks; a 1 MiB body is 256");
                try (EntryReader after = cache.openReader("video"))
                {
                    assertArrayEquals(Values.bytes(headers("v2")), metadataOf(after));
                    Values.assertValue("video", 1, SIZE, body(after));
                }
                assertArrayEquals(Values.bytes(headers("v1")), metadataOf(before), "the old reader keeps its entry");
                Values.assertValue("video", 1, SIZE, body(before));
            }
            cache.reclaimClosedViews();
            final long usedAfter = cache.stats().usedBlocks() - cache.stats().checkpointBlocks();
            assertTrue(usedAfter - usedBefore <= 1, "the old header's block came back and the body was never copied " +
                "(the new header may take one block more: it lists one extent more): " + usedBefore + " -> " +
                usedAfter);
            assertEquals(1, cache.stats().metadataUpdates());
            Values.assertLookup("video", 1, SIZE, cache.lookup("video"));
        }
    }

    @Test
    void shouldLeakNothingOverRepeatedUpdatesAndKeepTheLastAcrossARestart()
    {
        try (RawDiskCache cache = RawDiskCache.open(config("repeat.cache")))
        {
            cache.store("video", Values.buffer("video", 1, SIZE), headers("v1"), null);
            for (int i = 2; i <= 6; i++)
            {
                assertTrue(cache.updateMetadata("video", headers("v" + i + "-" + "x".repeat(i * 300))));
            }
        }
        try (RawDiskCache cache = RawDiskCache.open(config("repeat.cache")))
        {
            try (EntryReader reader = cache.openReader("video"))
            {
                assertArrayEquals(Values.bytes(headers("v6-" + "x".repeat(1800))), metadataOf(reader));
                Values.assertValue("video", 1, SIZE, body(reader));
            }
            assertTrue(cache.remove("video"));
            cache.reclaimClosedViews();
            assertEquals(cache.stats().checkpointBlocks(), cache.stats().usedBlocks(), "no block leaked");
            assertEquals(0, cache.stats().checksumFailures());
        }
    }

    @Test
    void shouldRewriteASmallValueWholeAndRefuseAMissingKey()
    {
        try (RawDiskCache cache = RawDiskCache.open(config("small.cache")))
        {
            cache.store("tiny", Values.buffer("tiny", 1, 300), headers("a"), null);
            assertTrue(cache.updateMetadata("tiny", headers("b")));
            try (EntryReader reader = cache.openReader("tiny"))
            {
                assertArrayEquals(Values.bytes(headers("b")), metadataOf(reader));
                Values.assertValue("tiny", 1, 300, body(reader));
            }
            assertFalse(cache.updateMetadata("absent", headers("c")));
            assertThrows(IllegalArgumentException.class, () -> cache.updateMetadata("tiny",
                ByteBuffer.allocate(RawDiskCache.MAX_METADATA_BYTES + 1)));
            cache.remove("tiny");
            cache.reclaimClosedViews();
            assertEquals(cache.stats().checkpointBlocks(), cache.stats().usedBlocks());
        }
    }

    @Test
    void shouldRenewFreshnessWhenAnUpdateBringsNewOptionsAndKeepItWhenNot()
    {
        final ManualClock clock = new ManualClock();
        try (RawDiskCache cache = RawDiskCache.open(CacheConfig.builder(dir.resolve("renew.cache"))
            .capacityBytes(16L << 20).journalBytes(1 << 20).clock(clock).build()))
        {
            final java.time.Duration minute = java.time.Duration.ofMinutes(1);
            try (EntryWriter writer = cache.openWriter("page", headers("v1"), WriteOptions.defaults()
                .withFreshness(minute, null, java.time.Duration.ofHours(1))))
            {
                writer.write(Values.buffer("page", 1, SIZE));
                writer.commit();
            }
            clock.advance(java.time.Duration.ofMinutes(2));
            try (EntryReader stale = cache.openReader("page"))
            {
                assertEquals(Freshness.State.STALE_IF_ERROR, stale.freshness().state(clock.millis()));
            }
            assertTrue(cache.updateMetadata("page", headers("v1-kept")));
            try (EntryReader kept = cache.openReader("page"))
            {
                assertEquals(Freshness.State.STALE_IF_ERROR, kept.freshness().state(clock.millis()),
                    "an update without options keeps the freshness");
            }
            assertTrue(cache.updateMetadata("page", headers("v1-renewed"), WriteOptions.defaults()
                .withFreshness(minute, null, java.time.Duration.ofHours(1))));
            try (EntryReader renewed = cache.openReader("page"))
            {
                assertEquals(Freshness.State.FRESH, renewed.freshness().state(clock.millis()));
                assertEquals(clock.millis() + 60_000, renewed.freshness().freshUntilMillis());
                assertArrayEquals(Values.bytes(headers("v1-renewed")), metadataOf(renewed));
                Values.assertValue("page", 1, SIZE, body(renewed));
            }
        }
        // 60.5 minutes on, the entry as first stored (windows counted from 2 minutes earlier) would be gone.
        clock.advance(java.time.Duration.ofSeconds(3630));
        try (RawDiskCache cache = RawDiskCache.open(CacheConfig.builder(dir.resolve("renew.cache"))
            .capacityBytes(16L << 20).journalBytes(1 << 20).clock(clock).build()))
        {
            try (EntryReader reader = cache.openReader("page"))
            {
                assertNotNull(reader, "the renewed expiry was persisted");
                assertEquals(Freshness.State.STALE_IF_ERROR, reader.freshness().state(clock.millis()));
            }
            clock.advance(java.time.Duration.ofMinutes(2));
            assertNull(cache.openReader("page"), "past its renewed windows the entry is gone");
        }
    }

    @Test
    void shouldKeepAHeaderPaddedToAWholeLargeBlockAcrossACrashAndARestart() throws Exception
    {
        // 1 MiB blocks: a value of exactly one block without metadata is stored without a header, and an update
        // puts a header padded to a whole block in front of it, longer than any header the format has otherwise.
        final int block = 1 << 20;
        final CacheConfig config = CacheConfig.builder(dir.resolve("big-blocks.cache")).capacityBytes(64L * block)
            .blockSize(block).durability(Durability.onStore()).build();
        final Path crashed = dir.resolve("big-blocks-crashed.cache");
        try (RawDiskCache cache = RawDiskCache.open(config))
        {
            cache.store("whole", Values.of("whole", 1, block));
            assertTrue(cache.updateMetadata("whole", headers("v2")));
            try (EntryReader reader = cache.openReader("whole"))
            {
                assertArrayEquals(Values.bytes(headers("v2")), metadataOf(reader));
            }
            // Acknowledged (on-store durability) after the update's journal record: replay must get past it.
            cache.store("after", Values.of("after", 2, 1000));
            cache.reclaimClosedViews();
            java.nio.file.Files.copy(config.path(), crashed);
        }
        for (final CacheConfig reopened : new CacheConfig[]{config,
            CacheConfig.builder(crashed).capacityBytes(64L * block).blockSize(block).build()})
        {
            try (RawDiskCache cache = RawDiskCache.open(reopened))
            {
                Values.assertLookup("whole", 1, block, cache.lookup("whole"));
                try (EntryReader reader = cache.openReader("whole"))
                {
                    assertArrayEquals(Values.bytes(headers("v2")), metadataOf(reader), reopened.path().toString());
                }
                Values.assertLookup("after", 2, 1000, cache.lookup("after"));
                assertEquals(2, cache.stats().entries(), reopened.path().toString());
            }
        }
    }
}
