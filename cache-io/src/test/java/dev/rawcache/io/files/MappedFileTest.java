package dev.rawcache.io.files;

import dev.rawcache.io.CacheIoException;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.InputStream;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.Channels;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static dev.rawcache.io.files.FileFixtures.assertContent;
import static dev.rawcache.io.files.FileFixtures.replace;
import static dev.rawcache.io.files.FileFixtures.write;
import static org.junit.jupiter.api.Assertions.*;

/**
 * A handle: zero-copy slices, safe copies, sendfile to a real socket, hints, and clean failures (never a crash) when
 * the file is truncated under the mapping.
 */
class MappedFileTest
{
    private static final String NAME = "static/blob.bin";
    private static final int LENGTH = 3 * 1024 * 1024 + 4321;

    @TempDir
    Path root;

    private byte[] content;
    private MappedFileCache cache;

    @BeforeEach
    void createCache() throws Exception
    {
        content = write(root, NAME, 1, LENGTH);
        cache = new MappedFileCache(root, 4, AccessHint.NORMAL);
    }

    @AfterEach
    void closeCache()
    {
        cache.close();
    }

    @Test
    void shouldDescribeTheMappedVersion() throws Exception
    {
        try (MappedFile file = cache.acquire(NAME))
        {
            assertEquals(NAME, file.relativePath());
            assertEquals(LENGTH, file.size());
            assertEquals(Files.getLastModifiedTime(root.resolve(NAME)).toMillis(), file.lastModifiedMillis());
            assertTrue(file.fileKey().matches("[0-9a-f]+-[0-9a-f]+-[0-9a-f]+"), file.fileKey());
            assertTrue(file.fileKey().contains(Long.toHexString(LENGTH)), file.fileKey());
            assertFalse(file.fileKey().contains("/"));
            assertTrue(file.segment().isReadOnly());
            assertContent(content, file);
        }
    }

    @Test
    void shouldSliceZeroCopyReadOnlyViews() throws Exception
    {
        try (MappedFile file = cache.acquire(NAME))
        {
            final ByteBuffer slice = file.slice(1_000_003, 70_000);
            assertTrue(slice.isReadOnly());
            assertTrue(slice.isDirect(), "a view of the mapping, not a copy");
            assertEquals(0, slice.position());
            assertEquals(70_000, slice.remaining());
            final byte[] bytes = new byte[70_000];
            slice.get(bytes);
            assertArrayEquals(Arrays.copyOfRange(content, 1_000_003, 1_070_003), bytes);
            assertEquals(0, file.slice(LENGTH, 0).remaining());
            assertEquals(content[LENGTH - 1], file.slice(LENGTH - 1, 1).get(0));
        }
    }

    @Test
    void shouldCheckRangesAndNameTheValuesAndTheSize() throws Exception
    {
        try (MappedFile file = cache.acquire(NAME))
        {
            final IllegalArgumentException past = assertThrows(IllegalArgumentException.class,
                () -> file.slice(LENGTH - 10, 11));
            assertTrue(past.getMessage().contains(String.valueOf(LENGTH - 10)), past.getMessage());
            assertTrue(past.getMessage().contains(String.valueOf(LENGTH)), past.getMessage());
            assertTrue(past.getMessage().contains(NAME), past.getMessage());
            assertThrows(IllegalArgumentException.class, () -> file.slice(-1, 1));
            assertThrows(IllegalArgumentException.class, () -> file.slice(0, -1));
            assertThrows(IllegalArgumentException.class, () -> file.slice(Long.MAX_VALUE, 1));
            assertThrows(IllegalArgumentException.class, () -> file.copyTo(-1, ByteBuffer.allocate(1)));
            assertThrows(IllegalArgumentException.class, () -> file.copyTo(LENGTH + 1, ByteBuffer.allocate(1)));
            assertThrows(ReadOnlyBufferException.class,
                () -> file.copyTo(0, ByteBuffer.allocate(1).asReadOnlyBuffer()));
            assertThrows(IllegalArgumentException.class, () -> file.advise(AccessHint.RANDOM, 0, LENGTH + 1L));
            assertThrows(IllegalArgumentException.class, () -> file.advise(AccessHint.RANDOM, -5, 1));
            final ByteArrayOutputStream sink = new ByteArrayOutputStream();
            assertThrows(IllegalArgumentException.class,
                () -> file.transferTo(LENGTH + 1L, 1, Channels.newChannel(sink)));
            assertThrows(IllegalArgumentException.class, () -> file.transferTo(0, -1, Channels.newChannel(sink)));
        }
    }

    @Test
    void shouldCopyIntoHeapAndDirectBuffersUpToTheEndOfTheFile() throws Exception
    {
        try (MappedFile file = cache.acquire(NAME))
        {
            final ByteBuffer heap = ByteBuffer.allocate(1000);
            heap.position(10);
            assertEquals(990, file.copyTo(5000, heap));
            assertEquals(1000, heap.position());
            assertArrayEquals(Arrays.copyOfRange(content, 5000, 5990), Arrays.copyOfRange(heap.array(), 10, 1000));

            final ByteBuffer direct = ByteBuffer.allocateDirect(4096);
            assertEquals(100, file.copyTo(LENGTH - 100, direct));
            direct.flip();
            final byte[] tail = new byte[100];
            direct.get(tail);
            assertArrayEquals(Arrays.copyOfRange(content, LENGTH - 100, LENGTH), tail);
            assertEquals(0, file.copyTo(LENGTH, ByteBuffer.allocate(8)));
        }
    }

    @Test
    void shouldTransferByteExactToALoopbackSocket() throws Exception
    {
        try (MappedFile file = cache.acquire(NAME);
             ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0)))
        {
            final CompletableFuture<byte[]> received = receiveAll(server);
            try (SocketChannel client = SocketChannel.open(server.getLocalAddress()))
            {
                assertEquals(LENGTH - 12_345 - 7, file.transferTo(12_345, LENGTH - 12_345 - 7, client));
                assertEquals(7, file.transferTo(LENGTH - 7, Long.MAX_VALUE, client), "clamped to the size");
                assertEquals(0, file.transferTo(LENGTH, 10, client));
            }
            assertArrayEquals(Arrays.copyOfRange(content, 12_345, LENGTH), received.get(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void shouldKeepTransferringForOthersAfterAnInterruptClosedTheSharedChannel() throws Exception
    {
        try (MappedFile interrupted = cache.acquire(NAME);
             MappedFile other = cache.acquire(NAME))
        {
            assertEquals(1, cache.mapsCreated());
            final FileChannel shared = other.mapping().channel();
            final Path out = root.resolve("out-interrupted.bin");
            try (FileChannel target = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE))
            {
                Thread.currentThread().interrupt();
                assertThrows(ClosedByInterruptException.class, () -> interrupted.transferTo(0, LENGTH, target));
            }
            finally
            {
                Thread.interrupted();
            }
            assertFalse(shared.isOpen(), "the interrupt closed the channel every handle shares");
            assertSentToLoopback(other, content);
            assertNotSame(shared, other.mapping().channel(), "reopened onto the same file");
            assertTrue(other.mapping().channel().isOpen());
            assertSentToLoopback(interrupted, content);
            assertEquals(1, cache.mapsCreated());
        }
    }

    @Test
    void shouldTransferOldBytesFromTheMappingWhenTheChannelCannotBeReopenedOntoThem() throws Exception
    {
        try (MappedFile old = cache.acquire(NAME))
        {
            final byte[] v2 = replace(root, NAME, 2, 100_000);
            final Path out = root.resolve("out-replaced.bin");
            try (FileChannel target = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE))
            {
                Thread.currentThread().interrupt();
                assertThrows(ClosedByInterruptException.class, () -> old.transferTo(0, LENGTH, target));
            }
            finally
            {
                Thread.interrupted();
            }
            // The path now holds version 2; the old handle still sends version 1, written from its mapping.
            assertSentToLoopback(old, content);
            assertNull(old.mapping().channel(), "no channel could be reopened onto version 1");
            try (MappedFile fresh = cache.acquire(NAME))
            {
                assertSentToLoopback(fresh, v2);
            }
        }
    }

    @Test
    void shouldAcceptEveryHintOnAnyRange() throws Exception
    {
        try (MappedFile file = cache.acquire(NAME))
        {
            for (final AccessHint hint : AccessHint.values())
            {
                file.advise(hint, 0, LENGTH);
                file.advise(hint, 1, 10);
                file.advise(hint, 4095, 2);
                file.advise(hint, LENGTH - 1, 1);
                assertFalse(file.advise(hint, 100, 0), "an empty range advises nothing");
            }
            if (MappedFileCache.hintsAvailable())
            {
                assertTrue(file.advise(AccessHint.RANDOM, 5000, 3), "an unaligned start is rounded down to a page");
                assertTrue(file.advise(AccessHint.WILL_NEED, 0, LENGTH));
                assertTrue(file.advise(AccessHint.NORMAL, 0, LENGTH));
            }
            assertContent(content, file);
        }
    }

    @Test
    void shouldTurnAFaultOnATruncatedFileIntoACleanException() throws Exception
    {
        try (MappedFile file = cache.acquire(NAME))
        {
            assertContent(content, file);
            try (FileChannel other = FileChannel.open(root.resolve(NAME), StandardOpenOption.WRITE))
            {
                other.truncate(8192);
            }

            final ByteBuffer head = ByteBuffer.allocate(100);
            assertEquals(100, file.copyTo(0, head), "pages still backed by the file read as before");
            assertArrayEquals(Arrays.copyOf(content, 100), head.array());

            final CacheIoException copy = assertThrows(CacheIoException.class,
                () -> file.copyTo(2_000_000, ByteBuffer.allocate(4096)));
            assertEquals(CacheIoException.Reason.IO, copy.reason());
            assertTrue(copy.getMessage().contains(NAME), copy.getMessage());
            assertTrue(copy.getMessage().contains("2000000"), copy.getMessage());
            assertInstanceOf(InternalError.class, copy.getCause());

            // Direct accesses raise the JDK's InternalError, synchronously and catchably: the JVM survives.
            assertThrows(InternalError.class, () -> file.segment().get(ValueLayout.JAVA_BYTE, 3_000_000));
            assertThrows(InternalError.class, () -> file.slice(1_000_000, 10).get());

            try (FileChannel target = FileChannel.open(root.resolve("out-truncated.bin"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE))
            {
                final EOFException eof = assertThrows(EOFException.class, () -> file.transferTo(0, LENGTH, target));
                assertTrue(eof.getMessage().contains(NAME), eof.getMessage());
            }
        }
        try (MappedFile again = cache.acquire(NAME))
        {
            assertEquals(8192, again.size(), "the new size is a new version");
            assertContent(Arrays.copyOf(content, 8192), again);
        }
    }

    private static void assertSentToLoopback(final MappedFile file, final byte[] expected) throws Exception
    {
        try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0)))
        {
            final CompletableFuture<byte[]> received = receiveAll(server);
            try (SocketChannel client = SocketChannel.open(server.getLocalAddress()))
            {
                assertEquals(expected.length, file.transferTo(0, Long.MAX_VALUE, client));
            }
            assertArrayEquals(expected, received.get(30, TimeUnit.SECONDS));
        }
    }

    private static CompletableFuture<byte[]> receiveAll(final ServerSocketChannel server)
    {
        return CompletableFuture.supplyAsync(() ->
        {
            try (SocketChannel peer = server.accept(); InputStream in = peer.socket().getInputStream())
            {
                final ByteArrayOutputStream out = new ByteArrayOutputStream();
                in.transferTo(out);
                return out.toByteArray();
            }
            catch (final Exception e)
            {
                throw new RuntimeException(e);
            }
        });
    }
}
