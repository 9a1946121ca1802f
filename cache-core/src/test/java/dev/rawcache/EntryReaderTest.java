package dev.rawcache;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Streaming reads and ranges on the hit path: ranges at block and extent boundaries read and sent by sendfile
 * byte-exact, several ranges in turn from one reader, bad ranges refused with their values, the entry pinned while
 * the reader is open, purges counted apart from removals.
 */
class EntryReaderTest
{
    private static final int BLOCK = 4096;

    @TempDir
    Path dir;

    private RawDiskCache open(final String name)
    {
        return RawDiskCache.open(CacheConfig.builder(dir.resolve(name)).capacityBytes(8L << 20)
            .journalBytes(1 << 20).build());
    }

    private static byte[] readRange(final EntryReader reader, final long start, final long end, final int chunk)
    {
        reader.seek(start, end);
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteBuffer buffer = ByteBuffer.allocate(chunk);
        int n;
        while ((n = reader.read(buffer.clear())) >= 0)
        {
            out.write(buffer.array(), 0, n);
        }
        assertEquals(0, reader.remaining());
        return out.toByteArray();
    }

    @Test
    void shouldReadRangesAtBlockBoundariesByteExact()
    {
        try (RawDiskCache cache = open("ranges.cache"))
        {
            final int size = 10 * BLOCK + 123;
            final byte[] value = Values.of("k", 1, size);
            cache.store("k", value);
            try (EntryReader reader = cache.openReader("k"))
            {
                assertEquals(size, reader.size());
                assertEquals(0, reader.metadata().remaining(), "entries stored whole carry no metadata");
                final long[][] ranges = {{0, size}, {0, 1}, {BLOCK - 100, BLOCK + 100}, {BLOCK, 2 * BLOCK},
                    {size - 1, size}, {size, size}, {5000, 5000}, {3 * BLOCK - 1, 7 * BLOCK + 1}};
                for (final long[] range : ranges)
                {
                    for (final int chunk : new int[]{1000, 65536})
                    {
                        assertArrayEquals(Arrays.copyOfRange(value, (int)range[0], (int)range[1]),
                            readRange(reader, range[0], range[1], chunk), "range " + Arrays.toString(range));
                    }
                }
            }
        }
    }

    @Test
    void shouldReadAcrossExtentBoundariesOfAScatteredValue()
    {
        try (RawDiskCache cache = RawDiskCache.open(TestCaches.quiet(
            CacheConfig.builder(dir.resolve("scattered.cache")), BLOCK, 40).mmapThreshold(0).build()))
        {
            for (int i = 0; i < 40; i++)
            {
                cache.store("f" + i, Values.of("f" + i, 1, 100));
            }
            for (int i = 0; i < 40; i += 2)
            {
                cache.remove("f" + i);
            }
            cache.reclaimClosedViews();
            final int size = 9 * BLOCK;
            final byte[] value = Values.of("big", 1, size);
            // With metadata the entry has a header, so the value starts inside its first block: 10 blocks.
            cache.store("big", ByteBuffer.wrap(value), ByteBuffer.wrap(new byte[]{1, 2, 3}), null);
            assertScatteredReads(cache, "big", value, 10);
            cache.remove("big");
            cache.reclaimClosedViews();
            // Without metadata a header would cost a block: the value is stored without one, block-aligned.
            cache.store("big", value);
            assertScatteredReads(cache, "big", value, 9);
        }
    }

    private static void assertScatteredReads(final RawDiskCache cache, final String key, final byte[] value,
                                             final int extents)
    {
        try (CachedEntry view = cache.lookupZeroCopy(key))
        {
            assertEquals(extents, view.buffers().length, "the value lies in one-block holes");
        }
        try (EntryReader reader = cache.openReader(key))
        {
            final int size = value.length;
            for (long start = 0; start < size; start += BLOCK - 7)
            {
                final long end = Math.min(size, start + 2 * BLOCK + 13);
                assertArrayEquals(Arrays.copyOfRange(value, (int)start, (int)end),
                    readRange(reader, start, end, 777));
            }
        }
    }

    @Test
    void shouldSendSeveralRangesToALoopbackSocketInTurn() throws Exception
    {
        try (RawDiskCache cache = open("send.cache");
             ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0)))
        {
            final int size = 300_000;
            final byte[] value = Values.of("v", 3, size);
            cache.store("v", value);
            final CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() ->
            {
                try (SocketChannel peer = server.accept(); InputStream in = peer.socket().getInputStream())
                {
                    return in.readAllBytes();
                }
                catch (final Exception e)
                {
                    throw new RuntimeException(e);
                }
            });
            final long[][] ranges = {{0, 100}, {4096, 8192}, {size - 50_000, size}};
            final long sendfileBefore = cache.zeroCopyStats().sendfileBytes();
            try (SocketChannel client = SocketChannel.open(server.getLocalAddress());
                 EntryReader reader = cache.openReader("v"))
            {
                for (final long[] range : ranges)
                {
                    reader.seek(range[0], range[1]);
                    while (reader.remaining() > 0)
                    {
                        reader.transferTo(client);
                    }
                }
            }
            final ByteArrayOutputStream expected = new ByteArrayOutputStream();
            for (final long[] range : ranges)
            {
                expected.write(value, (int)range[0], (int)(range[1] - range[0]));
            }
            assertArrayEquals(expected.toByteArray(), received.get(30, TimeUnit.SECONDS));
            assertEquals(100 + 4096 + 50_000, cache.zeroCopyStats().sendfileBytes() - sendfileBefore);
        }
    }

    @Test
    void shouldRefuseBadRangesNamingTheValuesAndFailAfterClose()
    {
        try (RawDiskCache cache = open("bad.cache"))
        {
            cache.store("k", Values.of("k", 1, 1000));
            final EntryReader reader = cache.openReader("k");
            final IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> reader.seek(-1, 10));
            assertTrue(negative.getMessage().contains("-1") && negative.getMessage().contains("1000"));
            final IllegalArgumentException past = assertThrows(IllegalArgumentException.class,
                () -> reader.seek(10, 1001));
            assertTrue(past.getMessage().contains("1001"));
            assertThrows(IllegalArgumentException.class, () -> reader.seek(20, 10));
            reader.close();
            assertThrows(IllegalStateException.class, () -> reader.read(ByteBuffer.allocate(10)));
            reader.close();
            assertNull(cache.openReader("absent"));
        }
    }

    @Test
    void shouldKeepReadingItsOwnBytesWhileTheKeyIsOverwrittenAndPurged()
    {
        try (RawDiskCache cache = RawDiskCache.open(TestCaches.quiet(CacheConfig.builder(dir.resolve("pin.cache")), BLOCK, 24).build()))
        {
            final int size = 5 * BLOCK;
            cache.store("k", Values.of("k", 1, size));
            try (EntryReader reader = cache.openReader("k"))
            {
                cache.store("k", Values.of("k", 2, size));
                assertTrue(cache.purge("k"));
                for (int i = 0; i < 10; i++)
                {
                    cache.store("o" + i, Values.of("o" + i, 1, 2 * BLOCK));
                }
                Values.assertValue("k", 1, size, readRange(reader, 0, size, 4096));
            }
            final CacheStats stats = cache.stats();
            assertEquals(1, stats.purges());
            assertEquals(0, stats.removals(), "a purge is not counted as a removal");
            assertFalse(cache.purge("k"));
            assertEquals(1, cache.stats().purges());
        }
    }

    @Test
    void shouldCheckARecoveredEntryInFullWhenFirstOpened() throws Exception
    {
        final Path path = dir.resolve("recovered.cache");
        try (RawDiskCache cache = open("recovered.cache"))
        {
            cache.store("good", Values.of("good", 1, 20_000));
            cache.store("bad", Values.of("bad", 1, 20_000));
        }
        final byte[] all = java.nio.file.Files.readAllBytes(path);
        final byte[] needle = Arrays.copyOfRange(Values.of("bad", 1, 20_000), 15_000, 15_064);
        int at = -1;
        for (int i = 0; i + needle.length <= all.length && at < 0; i++)
        {
            if (Arrays.equals(all, i, i + needle.length, needle, 0, needle.length))
            {
                at = i;
            }
        }
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(path,
            java.nio.file.StandardOpenOption.WRITE))
        {
            channel.write(ByteBuffer.wrap(new byte[]{(byte)(all[at] ^ 8)}), at);
        }
        try (RawDiskCache cache = open("recovered.cache"))
        {
            assertNull(cache.openReader("bad"), "a damaged byte far from the range read is still caught");
            assertEquals(1, cache.stats().checksumFailures());
            try (EntryReader reader = cache.openReader("good"))
            {
                Values.assertValue("good", 1, 20_000, readRange(reader, 0, 20_000, 8192));
            }
        }
    }
}
