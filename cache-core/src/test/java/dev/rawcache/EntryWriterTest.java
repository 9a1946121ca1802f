package dev.rawcache;

import dev.rawcache.io.CacheIoException;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Streaming writes: bodies of unknown or declared length written in chunks and committed atomically, with metadata
 * read back from the entry's header, across a restart too; declared lengths and the maximum object size enforced
 * without losing the old entry; abort, close and a crash before commit leave nothing visible and no block taken.
 */
class EntryWriterTest
{
    private static final ByteBuffer HEADERS = ByteBuffer.wrap(
        "HTTP/1.1 200 OK\r\ncontent-type: video/mp4\r\netag: \"v7\"\r\n".getBytes(StandardCharsets.US_ASCII));

    @TempDir
    Path dir;

    private CacheConfig config(final Path path)
    {
        return CacheConfig.builder(path).capacityBytes(32L << 20).journalBytes(1 << 20).build();
    }

    private static void writeInChunks(final EntryWriter writer, final byte[] body, final long seed)
    {
        final Random random = new Random(seed);
        int at = 0;
        while (at < body.length)
        {
            final int n = Math.min(body.length - at, 1 + random.nextInt(70_000));
            final ByteBuffer chunk = ByteBuffer.wrap(body, at, n);
            writer.write(chunk);
            assertFalse(chunk.hasRemaining(), "a written chunk is consumed");
            at += n;
        }
        assertEquals(body.length, writer.written());
    }

    private static byte[] metadataOf(final RawDiskCache cache, final String key)
    {
        try (EntryReader reader = cache.openReader(key))
        {
            return Values.bytes(reader.metadata());
        }
    }

    @Test
    void shouldStreamABodyOfUnknownLengthAndCommitItWithItsMetadata()
    {
        final Path path = dir.resolve("stream.cache");
        final byte[] body = Values.of("movie", 1, 3_000_001);
        try (RawDiskCache cache = RawDiskCache.open(config(path)))
        {
            cache.store("movie", Values.of("movie", 0, 1000));
            try (EntryWriter writer = cache.openWriter("movie", HEADERS, WriteOptions.defaults()))
            {
                writeInChunks(writer, body, 1);
                Values.assertLookup("movie", 0, 1000, cache.lookup("movie"));
                writer.commit();
                assertFalse(writer.isOpen());
            }
            Values.assertLookup("movie", 1, body.length, cache.lookup("movie"));
            assertArrayEquals(Values.bytes(HEADERS), metadataOf(cache, "movie"));
            try (CachedEntry view = cache.lookupZeroCopy("movie"))
            {
                Values.assertValue("movie", 1, body.length, Values.concat(view.buffers()));
            }
        }
        try (RawDiskCache cache = RawDiskCache.open(config(path)))
        {
            Values.assertLookup("movie", 1, body.length, cache.lookup("movie"));
            assertArrayEquals(Values.bytes(HEADERS), metadataOf(cache, "movie"), "metadata survives a restart");
        }
    }

    @Test
    void shouldEnforceADeclaredLengthAndKeepTheOldEntryWhenItFails()
    {
        try (RawDiskCache cache = RawDiskCache.open(config(dir.resolve("declared.cache"))))
        {
            cache.store("k", Values.of("k", 1, 5000));
            final byte[] body = Values.of("k", 2, 100_000);
            try (EntryWriter writer = cache.openWriter("k", HEADERS, WriteOptions.defaults()
                .withDeclaredLength(100_000)))
            {
                writer.write(ByteBuffer.wrap(body, 0, 60_000));
                final IllegalArgumentException past = assertThrows(IllegalArgumentException.class,
                    () -> writer.write(ByteBuffer.wrap(new byte[50_000])));
                assertTrue(past.getMessage().contains("110000") && past.getMessage().contains("100000"),
                    past.getMessage());
                final IllegalStateException shortBody = assertThrows(IllegalStateException.class, writer::commit);
                assertTrue(shortBody.getMessage().contains("60000"), shortBody.getMessage());
                Values.assertLookup("k", 1, 5000, cache.lookup("k"));
                writer.write(ByteBuffer.wrap(body, 60_000, 40_000));
                writer.commit();
            }
            Values.assertLookup("k", 2, 100_000, cache.lookup("k"));
            assertThrows(IllegalArgumentException.class, () -> cache.openWriter("k", HEADERS,
                WriteOptions.defaults().withDeclaredLength(1L << 40)));
        }
    }

    @Test
    void shouldRefuseABodyPastTheMaximumObjectSizeAsSoonAsItPassesIt()
    {
        final Path path = dir.resolve("max.cache");
        try (RawDiskCache cache = RawDiskCache.open(CacheConfig.builder(path).capacityBytes(8L << 20)
            .maxObjectBytes(50_000).build()))
        {
            cache.store("k", Values.of("k", 1, 300));
            try (EntryWriter writer = cache.openWriter("k", HEADERS, WriteOptions.defaults()))
            {
                writer.write(ByteBuffer.wrap(new byte[40_000]));
                final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> writer.write(ByteBuffer.wrap(new byte[20_000])));
                assertTrue(e.getMessage().contains("60000") && e.getMessage().contains("50000"), e.getMessage());
            }
            Values.assertLookup("k", 1, 300, cache.lookup("k"));
        }
    }

    @Test
    void shouldFreeEveryBlockOnAbortAndOnCloseWithoutCommit()
    {
        try (RawDiskCache cache = RawDiskCache.open(config(dir.resolve("abort.cache"))))
        {
            cache.store("k", Values.of("k", 1, 2000));
            cache.reclaimClosedViews();
            final long free = cache.stats().freeBlocks();
            final EntryWriter aborted = cache.openWriter("k", HEADERS, WriteOptions.defaults());
            aborted.write(ByteBuffer.wrap(Values.of("k", 2, 500_000)));
            assertTrue(cache.stats().freeBlocks() < free);
            aborted.abort();
            assertThrows(IllegalStateException.class, () -> aborted.write(ByteBuffer.allocate(1)));
            assertThrows(IllegalStateException.class, aborted::commit);
            assertEquals(free, cache.stats().freeBlocks(), "abort gave every block back");
            try (EntryWriter dropped = cache.openWriter("k", HEADERS, WriteOptions.defaults().withDeclaredLength(9000)))
            {
                dropped.write(ByteBuffer.wrap(new byte[4000]));
            }
            assertEquals(free, cache.stats().freeBlocks(), "close without commit gave every block back");
            Values.assertLookup("k", 1, 2000, cache.lookup("k"));
            assertEquals(1, cache.stats().entries());
        }
    }

    @Test
    void shouldLeaveNothingBehindWhenTheProcessDiesBeforeCommit() throws Exception
    {
        try (RawDiskCache cache = RawDiskCache.open(config(dir.resolve("midway.cache"))))
        {
            cache.store("old", Values.of("old", 1, 3000));
            final EntryWriter writer = cache.openWriter("new", HEADERS, WriteOptions.defaults());
            writer.write(ByteBuffer.wrap(Values.of("new", 1, 2_000_000)));
            cache.reclaimClosedViews();
            final Path image = dir.resolve("midway-crashed.cache");
            Files.copy(cache.config().path(), image);
            writer.abort();
            try (RawDiskCache recovered = RawDiskCache.open(config(image)))
            {
                assertFalse(recovered.contains("new"), "nothing partial is visible");
                Values.assertLookup("old", 1, 3000, recovered.lookup("old"));
                recovered.remove("old");
                recovered.reclaimClosedViews();
                final CacheStats stats = recovered.stats();
                assertEquals(stats.checkpointBlocks(), stats.usedBlocks(), "the writer's blocks are free again");
            }
        }
    }

    @Test
    void shouldCommitAnEmptyBodyAndStoreMetadataWithAWholeValue()
    {
        try (RawDiskCache cache = RawDiskCache.open(config(dir.resolve("empty.cache"))))
        {
            try (EntryWriter writer = cache.openWriter("empty", HEADERS, WriteOptions.defaults()))
            {
                writer.commit();
            }
            assertEquals(0, cache.lookup("empty").remaining());
            assertArrayEquals(Values.bytes(HEADERS), metadataOf(cache, "empty"));

            cache.store("whole", Values.buffer("whole", 1, 700), HEADERS, null);
            Values.assertLookup("whole", 1, 700, cache.lookup("whole"));
            assertArrayEquals(Values.bytes(HEADERS), metadataOf(cache, "whole"));
        }
    }

    @Test
    void shouldRefuseOversizedOrMissingMetadataNamingTheLimit()
    {
        try (RawDiskCache cache = RawDiskCache.open(config(dir.resolve("meta.cache"))))
        {
            cache.store("k", Values.of("k", 1, 100));
            final IllegalArgumentException big = assertThrows(IllegalArgumentException.class,
                () -> cache.openWriter("k", ByteBuffer.allocate(RawDiskCache.MAX_METADATA_BYTES + 1),
                    WriteOptions.defaults()));
            assertTrue(big.getMessage().contains(String.valueOf(RawDiskCache.MAX_METADATA_BYTES)));
            assertThrows(IllegalArgumentException.class, () -> cache.store("k", ByteBuffer.allocate(1),
                ByteBuffer.allocate(RawDiskCache.MAX_METADATA_BYTES + 1), null));
            assertThrows(IllegalArgumentException.class, () -> cache.openWriter("k", null, WriteOptions.defaults()));
            Values.assertLookup("k", 1, 100, cache.lookup("k"));
        }
    }
}
