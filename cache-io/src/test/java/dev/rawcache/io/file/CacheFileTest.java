package dev.rawcache.io.file;

import dev.rawcache.io.CacheIoException;
import dev.rawcache.io.block.ExtentList;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The cache file: preallocation, superblock checks on reopen, locking, and stream I/O over extents.
 */
class CacheFileTest
{
    private static final int BLOCK = 4096;

    @TempDir
    Path dir;

    private static CacheFile.Options options(final long blocks)
    {
        return new CacheFile.Options(BLOCK, blocks, 0, false, true);
    }

    @Test
    void shouldCreateAFullyAllocatedFileWithAValidSuperblock() throws Exception
    {
        final Path path = dir.resolve("a.cache");
        try (CacheFile file = CacheFile.open(path, options(256)))
        {
            assertTrue(file.created());
            assertEquals(256L * BLOCK, Files.size(path));
            final Superblock sb = file.superblock();
            assertEquals(BLOCK, sb.blockSize());
            assertEquals(256, sb.blockCount());
            assertEquals(1, sb.dataStartBlock());
            assertEquals(255, sb.dataBlockCount());
        }
        assertTrue(allocatedBytes(path) >= 256L * BLOCK, "file must not be sparse");
        assertEquals(CacheFile.readSuperblock(path).blockCount(), 256);
    }

    @Test
    void shouldReopenAFileItCreatedWithTheSameIdentity()
    {
        final Path path = dir.resolve("b.cache");
        final long creationId;
        try (CacheFile file = CacheFile.open(path, options(64)))
        {
            creationId = file.superblock().creationId();
        }
        try (CacheFile file = CacheFile.open(path, options(64)))
        {
            assertFalse(file.created());
            assertEquals(creationId, file.superblock().creationId());
        }
    }

    @Test
    void shouldRefuseAForeignFileAndLeaveItUnchanged() throws Exception
    {
        final Path path = dir.resolve("foreign.cache");
        final byte[] junk = new byte[64 * BLOCK];
        new Random(42).nextBytes(junk);
        Files.write(path, junk);
        final CacheIoException e = assertThrows(CacheIoException.class, () -> CacheFile.open(path, options(64)));
        assertEquals(CacheIoException.Reason.FORMAT, e.reason());
        assertTrue(e.getMessage().contains("not a rawcache file"), e.getMessage());
        assertArrayEquals(junk, Files.readAllBytes(path));
    }

    @Test
    void shouldRefuseAFileOfAnotherGeometryUnlessAskedToReformat() throws Exception
    {
        final Path path = dir.resolve("geometry.cache");
        CacheFile.open(path, options(64)).close();
        final CacheIoException e = assertThrows(CacheIoException.class, () -> CacheFile.open(path, options(128)));
        assertEquals(CacheIoException.Reason.FORMAT, e.reason());
        assertTrue(e.getMessage().contains("64 blocks") && e.getMessage().contains("128 blocks"), e.getMessage());
        final CacheIoException size = assertThrows(CacheIoException.class,
            () -> CacheFile.open(path, new CacheFile.Options(8192, 32, 0, false, true)));
        assertTrue(size.getMessage().contains("8192"), size.getMessage());

        try (CacheFile file = CacheFile.open(path, new CacheFile.Options(BLOCK, 128, 0, true, true)))
        {
            assertEquals(128, file.superblock().blockCount());
        }
        assertEquals(128L * BLOCK, Files.size(path));
        assertTrue(allocatedBytes(path) >= 128L * BLOCK);
    }

    @Test
    void shouldRefuseAFileShorterThanItsSuperblockSays() throws Exception
    {
        final Path path = dir.resolve("short.cache");
        CacheFile.open(path, options(64)).close();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE))
        {
            channel.truncate(32L * BLOCK);
        }
        final CacheIoException e = assertThrows(CacheIoException.class, () -> CacheFile.open(path, options(64)));
        assertEquals(CacheIoException.Reason.FORMAT, e.reason());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        assertEquals(32L * BLOCK, Files.size(path), "a refused file is never resized");
    }

    @Test
    void shouldRefuseASuperblockWithAFlippedBit() throws Exception
    {
        final Path path = dir.resolve("flipped.cache");
        CacheFile.open(path, options(64)).close();
        flipByte(path, SuperblockDescriptor.CREATED_AT_OFFSET);
        final CacheIoException e = assertThrows(CacheIoException.class, () -> CacheFile.open(path, options(64)));
        assertEquals(CacheIoException.Reason.FORMAT, e.reason());
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
    }

    @Test
    void shouldRefuseAnotherFormatVersion() throws Exception
    {
        final Path path = dir.resolve("version.cache");
        CacheFile.open(path, options(64)).close();
        flipByte(path, SuperblockDescriptor.VERSION_OFFSET);
        final CacheIoException e = assertThrows(CacheIoException.class, () -> CacheFile.open(path, options(64)));
        assertTrue(e.getMessage().contains("format version"), e.getMessage());
    }

    @Test
    void shouldRefuseASecondOpenOfTheSameFile()
    {
        final Path path = dir.resolve("locked.cache");
        try (CacheFile ignored = CacheFile.open(path, options(64)))
        {
            final CacheIoException e = assertThrows(CacheIoException.class, () -> CacheFile.open(path, options(64)));
            assertEquals(CacheIoException.Reason.LOCKED, e.reason());
        }
        CacheFile.open(path, options(64)).close();
    }

    @Test
    void shouldRejectBadGeometryWithTheValueAndTheLimit()
    {
        final IllegalArgumentException notPowerOfTwo = assertThrows(IllegalArgumentException.class,
            () -> new CacheFile.Options(3000, 64, 0, false, true));
        assertTrue(notPowerOfTwo.getMessage().contains("3000") && notPowerOfTwo.getMessage().contains("power of two"));
        final IllegalArgumentException tooSmall = assertThrows(IllegalArgumentException.class,
            () -> new CacheFile.Options(BLOCK, 4, 0, false, true));
        assertTrue(tooSmall.getMessage().contains("4 blocks") && tooSmall.getMessage().contains("16 blocks"),
            tooSmall.getMessage());
    }

    @Test
    void shouldReadWriteAndTransferAStreamAcrossExtents() throws Exception
    {
        final Path path = dir.resolve("stream.cache");
        try (CacheFile file = CacheFile.open(path, options(64)))
        {
            final ExtentList extents = ExtentList.ofPacked(new long[]{ExtentList.pack(10, 2), ExtentList.pack(3, 1),
                ExtentList.pack(40, 3)});
            final byte[] data = new byte[6 * BLOCK - 100];
            new Random(7).nextBytes(data);
            file.write(extents, 50, ByteBuffer.wrap(data));

            final ByteBuffer back = ByteBuffer.allocate(data.length);
            file.read(extents, 50, back);
            assertArrayEquals(data, back.array());

            final long[][] pieces = file.pieces(extents, 50, data.length);
            assertArrayEquals(new long[]{10L * BLOCK + 50, 3L * BLOCK, 40L * BLOCK}, pieces[0]);
            assertArrayEquals(new long[]{2L * BLOCK - 50, BLOCK, data.length - (3L * BLOCK - 50)}, pieces[1]);

            final Path out = dir.resolve("out.bin");
            try (FileChannel target = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE))
            {
                assertEquals(data.length, file.transferTo(extents, 50, data.length, target));
            }
            assertArrayEquals(data, Files.readAllBytes(out));

            assertThrows(java.io.EOFException.class, () -> file.read(extents, 50, ByteBuffer.allocate(6 * BLOCK)));
        }
    }

    @Test
    void shouldFailCreationWithNoSpaceAndLeaveNoFileWhenTheDiskIsTooSmall() throws Exception
    {
        final Path path = dir.resolve("huge.cache");
        final long usable = Files.getFileStore(dir).getUsableSpace();
        final long blocks = Math.min(ExtentList.MAX_BLOCK_INDEX, usable / BLOCK + (1L << 20));
        final CacheIoException e = assertThrows(CacheIoException.class, () -> CacheFile.open(path, options(blocks)));
        assertEquals(CacheIoException.Reason.NO_SPACE, e.reason());
        assertTrue(e.getMessage().contains(String.valueOf(blocks * BLOCK)), e.getMessage());
        assertFalse(Files.exists(path), "no partial file is left behind");
    }

    @Test
    void shouldSurviveAReaderInterruptedInTheMiddleOfIo() throws Exception
    {
        final Path path = dir.resolve("interrupt.cache");
        try (CacheFile file = CacheFile.open(path, options(64)))
        {
            final ExtentList extents = ExtentList.of(1, 16);
            final byte[] data = new byte[16 * BLOCK];
            new Random(3).nextBytes(data);
            file.write(extents, 0, ByteBuffer.wrap(data));

            final java.util.concurrent.atomic.AtomicReference<Throwable> failure =
                new java.util.concurrent.atomic.AtomicReference<>();
            final java.util.concurrent.CountDownLatch reading = new java.util.concurrent.CountDownLatch(1);
            final Thread reader = new Thread(() ->
            {
                final ByteBuffer buffer = ByteBuffer.allocateDirect(data.length);
                try
                {
                    while (true)
                    {
                        file.read(extents, 0, buffer.clear());
                        reading.countDown();
                    }
                }
                catch (final Throwable t)
                {
                    failure.set(t);
                }
            });
            reader.start();
            reading.await();
            reader.interrupt();
            reader.join(10_000);
            assertInstanceOf(java.nio.channels.ClosedByInterruptException.class, failure.get());

            final ByteBuffer back = ByteBuffer.allocate(data.length);
            file.read(extents, 0, back);
            assertArrayEquals(data, back.array(), "the channel was reopened for everyone else");
            final CacheIoException locked = assertThrows(CacheIoException.class, () -> CacheFile.open(path,
                options(64)));
            assertEquals(CacheIoException.Reason.LOCKED, locked.reason(), "the lock was taken again");
        }
    }

    private static void flipByte(final Path path, final long offset) throws IOException
    {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            final ByteBuffer b = ByteBuffer.allocate(1);
            channel.read(b, offset);
            b.put(0, (byte)(b.get(0) ^ 0x10));
            channel.write(b.rewind(), offset);
        }
    }

    static long allocatedBytes(final Path path) throws Exception
    {
        final Process process = new ProcessBuilder("stat", "-c", "%b %B", path.toString()).start();
        final String[] parts = new String(process.getInputStream().readAllBytes()).trim().split(" ");
        assertEquals(0, process.waitFor());
        return Long.parseLong(parts[0]) * Long.parseLong(parts[1]);
    }

    @Test
    void shouldHandOutReadOnlyViews() throws Exception
    {
        try (CacheFile file = CacheFile.open(dir.resolve("views.cache"), options(16)))
        {
            try (dev.rawcache.io.mmap.MappedView view = file.openView(ExtentList.of(4, 2), 0, 2 * BLOCK, null))
            {
                assertTrue(view.segments()[0].isReadOnly());
                assertThrows(IllegalArgumentException.class, // what the FFM API throws on a read-only segment
                    () -> view.segments()[0].set(java.lang.foreign.ValueLayout.JAVA_BYTE, 0, (byte)1));
                assertTrue(view.buffers()[0].isReadOnly());
            }
        }
    }
}
