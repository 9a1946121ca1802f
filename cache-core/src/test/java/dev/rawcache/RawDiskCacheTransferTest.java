package dev.rawcache;

import dev.rawcache.format.EntryHeaderDescriptor;
import dev.rawcache.io.CacheIoException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Covers transferTo to a real loopback socket: whole values and ranges (block boundaries, last byte, empty) arrive
 * byte for byte and are counted; misses return -1; bad ranges are refused with the numbers in the message.
 */
class RawDiskCacheTransferTest
{
    private static final int BLOCK = CacheConfig.DEFAULT_BLOCK_SIZE;
    private static final String KEY = "GET https://example.com/video.mp4";
    private static final int SIZE = 300_000 + 77;

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(ReadPath.class)
    void shouldSendWholeValuesAndRangesToASocketByteForByte(final ReadPath path) throws Exception
    {
        try (RawDiskCache cache = open(path); Loopback socket = new Loopback())
        {
            final byte[] value = Values.of(KEY, 4, SIZE);
            cache.store(KEY, value);
            final int firstBoundary = BLOCK - EntryHeaderDescriptor.headerLength(KEY.length(), 1);
            final long[][] ranges = {
                {0, 1},
                {SIZE / 2, 1000},
                {firstBoundary - 1, 2},
                {firstBoundary, BLOCK},
                {firstBoundary + BLOCK - 5, 10},
                {firstBoundary + 7 * BLOCK, 3 * BLOCK + 1},
                {SIZE - 1, 1},
                {SIZE, 0},
                {17, 0},
                {0, SIZE},
            };
            final ByteArrayOutputStream expected = new ByteArrayOutputStream();
            long expectedBytes = 0;

            final ZeroCopyStats before = cache.zeroCopyStats();
            assertEquals(SIZE, cache.transferTo(KEY, socket.client));
            expected.write(value);
            expectedBytes += SIZE;
            for (final long[] range : ranges)
            {
                assertEquals(range[1], cache.transferTo(KEY, range[0], range[1], socket.client),
                    "bytes sent for range " + Arrays.toString(range));
                expected.write(value, (int)range[0], (int)range[1]);
                expectedBytes += range[1];
            }
            final byte[] received = socket.finish();
            assertArrayEquals(expected.toByteArray(), received, "bytes received over the socket");

            final ZeroCopyStats after = cache.zeroCopyStats();
            assertEquals(1 + ranges.length, after.sendfileTransfers() - before.sendfileTransfers());
            assertEquals(expectedBytes, after.sendfileBytes() - before.sendfileBytes());
            assertEquals(1 + ranges.length, cache.stats().hits());
        }
    }

    @ParameterizedTest
    @EnumSource(ReadPath.class)
    void shouldReturnMinusOneForAMissAndSendNothing(final ReadPath path) throws Exception
    {
        try (RawDiskCache cache = open(path); Loopback socket = new Loopback())
        {
            cache.store(KEY, Values.of(KEY, 1, 1000));
            assertEquals(-1, cache.transferTo("GET https://example.com/absent", socket.client));
            assertEquals(-1, cache.transferTo("GET https://example.com/absent", 0, 10, socket.client));
            assertTrue(cache.remove(KEY));
            assertEquals(-1, cache.transferTo(KEY, socket.client));
            assertEquals(0, socket.finish().length);
            assertEquals(3, cache.stats().misses());
            assertEquals(0, cache.zeroCopyStats().sendfileTransfers());
        }
    }

    @Test
    void shouldRefuseRangesOutsideTheValueNamingTheNumbers() throws Exception
    {
        try (RawDiskCache cache = open(ReadPath.DEFAULT);
             FileChannel out = FileChannel.open(dir.resolve("out"), StandardOpenOption.CREATE,
                 StandardOpenOption.WRITE))
        {
            cache.store(KEY, Values.of(KEY, 1, SIZE));
            assertRefused(() -> cache.transferTo(KEY, SIZE + 1, 0, out), SIZE + 1, SIZE);
            assertRefused(() -> cache.transferTo(KEY, 0, SIZE + 1, out), SIZE + 1, SIZE);
            assertRefused(() -> cache.transferTo(KEY, SIZE - 10, 11, out), SIZE - 10, 11, SIZE);
            assertRefused(() -> cache.transferTo(KEY, Long.MAX_VALUE, 1, out), Long.MAX_VALUE);
            assertRefused(() -> cache.transferTo(KEY, 1, Long.MAX_VALUE, out), Long.MAX_VALUE);
            assertRefused(() -> cache.transferTo(KEY, -1, 10, out), -1);
            assertRefused(() -> cache.transferTo(KEY, 0, -5, out), -5);
            assertRefused(() -> cache.transferTo(KEY, Long.MIN_VALUE, 1, out), Long.MIN_VALUE);
            assertEquals(0, out.size(), "a refused range sends nothing");
            assertEquals(0, cache.zeroCopyStats().sendfileTransfers());
            Values.assertLookup(KEY, 1, SIZE, cache.lookup(KEY));
            assertEquals(SIZE, cache.transferTo(KEY, out), "the entry is still there and still sends");
        }
    }

    @Test
    void shouldReportAClosedTargetChannelAsAnIoFailureNotAsAClosedCache() throws Exception
    {
        try (RawDiskCache cache = open(ReadPath.DEFAULT))
        {
            cache.store(KEY, Values.of(KEY, 1, SIZE));
            final FileChannel closedTarget = FileChannel.open(dir.resolve("closed"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
            closedTarget.close();
            final RuntimeException failure = assertThrows(RuntimeException.class,
                () -> cache.transferTo(KEY, closedTarget));
            assertTrue(failure instanceof CacheIoException, "a closed target is an I/O failure of the transfer, " +
                "documented as CacheIoException, but got " + failure);
            assertEquals(CacheIoException.Reason.IO, ((CacheIoException)failure).reason());
            Values.assertLookup(KEY, 1, SIZE, cache.lookup(KEY));
        }
    }

    private static void assertRefused(final org.junit.jupiter.api.function.Executable call, final long... numbers)
    {
        final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, call);
        for (final long number : numbers)
        {
            assertTrue(refused.getMessage().contains(Long.toString(number)),
                "message should name " + number + ": " + refused.getMessage());
        }
    }

    @ParameterizedTest
    @EnumSource(ReadPath.class)
    void shouldNotCountAClientThatWentAwayAsACacheIoError(final ReadPath path) throws Exception
    {
        try (RawDiskCache cache = open(path))
        {
            final byte[] value = Values.of(KEY, 5, 200_000);
            cache.store(KEY, value);
            try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress(
                InetAddress.getLoopbackAddress(), 0));
                 SocketChannel client = SocketChannel.open(server.getLocalAddress()))
            {
                try (SocketChannel accepted = server.accept())
                {
                    accepted.setOption(java.net.StandardSocketOptions.SO_LINGER, 0);   // close with a reset
                }
                final CacheIoException e = assertThrows(CacheIoException.class, () ->
                {
                    for (int i = 0; i < 10_000; i++)
                    {
                        cache.transferTo(KEY, client);
                    }
                });
                assertTrue(e.getMessage().contains("the cache file is fine"), e.getMessage());
            }
            assertEquals(0, cache.stats().ioErrors(), "a peer that went away is not the cache's I/O error");
            Values.assertLookup(KEY, 5, 200_000, cache.lookup(KEY));
        }
    }

    private RawDiskCache open(final ReadPath path)
    {
        return RawDiskCache.open(path.configure(CacheConfig.builder(dir.resolve("transfer.cache")), 256).build());
    }

    /**
     * A connected pair of loopback sockets with a thread collecting everything the client side sends.
     */
    private static final class Loopback implements AutoCloseable
    {
        final ServerSocketChannel server;
        final SocketChannel client;
        final SocketChannel accepted;
        final CompletableFuture<byte[]> received;

        Loopback() throws IOException
        {
            server = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            client = SocketChannel.open(server.getLocalAddress());
            accepted = server.accept();
            received = CompletableFuture.supplyAsync(this::readAll, Thread::startVirtualThread);
        }

        private byte[] readAll()
        {
            final ByteArrayOutputStream all = new ByteArrayOutputStream();
            final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
            try
            {
                while (accepted.read(buffer.clear()) >= 0)
                {
                    all.write(buffer.array(), 0, buffer.position());
                }
            }
            catch (final IOException e)
            {
                throw new java.io.UncheckedIOException(e);
            }
            return all.toByteArray();
        }

        byte[] finish() throws Exception
        {
            client.shutdownOutput();
            return received.get(60, TimeUnit.SECONDS);
        }

        @Override
        public void close() throws IOException
        {
            try (server; client; accepted)
            {
                received.cancel(true);
            }
        }
    }
}
