package dev.rawcache.io.mmap;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Mapped views: they show their bytes, they are invalidated only after close and the end of their grace period,
 * and their callbacks run only after invalidation; the mapping outlives its owner while views are open.
 */
class MappedRegionTest
{
    private static final int LENGTH = 1 << 16;

    @TempDir
    Path dir;

    private Path path;

    @BeforeEach
    void writeFile() throws Exception
    {
        path = dir.resolve("region.bin");
        final byte[] bytes = new byte[LENGTH];
        for (int i = 0; i < LENGTH; i++)
        {
            bytes[i] = (byte)(i * 7 + (i >>> 8));
        }
        Files.write(path, bytes);
    }

    private MappedRegion map() throws Exception
    {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ))
        {
            return MappedRegion.map(channel, LENGTH);
        }
    }

    private static byte expected(final long offset)
    {
        return (byte)(offset * 7 + (offset >>> 8));
    }

    @Test
    void shouldShowTheMappedBytesInPieces() throws Exception
    {
        try (MappedRegion region = map();
             MappedView view = region.openView(new long[]{100, 5000}, new long[]{10, 300}, null))
        {
            final ByteBuffer[] buffers = view.buffers();
            assertEquals(2, buffers.length);
            assertEquals(310, view.byteSize());
            assertTrue(buffers[0].isReadOnly());
            for (int i = 0; i < 10; i++)
            {
                assertEquals(expected(100 + i), buffers[0].get(i));
            }
            for (int i = 0; i < 300; i++)
            {
                assertEquals(expected(5000 + i), buffers[1].get(i));
            }
        }
    }

    @Test
    void shouldInvalidateBuffersAndRunCallbacksOnlyAfterTheGracePeriod() throws Exception
    {
        final AtomicInteger invalidated = new AtomicInteger();
        try (MappedRegion region = map())
        {
            final MappedView view = region.openView(new long[]{0}, new long[]{64}, invalidated::incrementAndGet);
            final ByteBuffer buffer = view.buffers()[0];
            view.close();
            // Closed but its epoch is still current: the buffer still shows its own bytes, the callback waits.
            assertEquals(expected(3), buffer.get(3));
            assertEquals(0, invalidated.get());

            region.reclaim();
            assertEquals(1, invalidated.get());
            assertThrows(IllegalStateException.class, () -> buffer.get(3));
        }
    }

    @Test
    void shouldWaitForEveryViewOfAnEpochBeforeInvalidating() throws Exception
    {
        final AtomicInteger invalidated = new AtomicInteger();
        try (MappedRegion region = map())
        {
            final MappedView first = region.openView(new long[]{0}, new long[]{8}, invalidated::incrementAndGet);
            final MappedView second = region.openView(new long[]{8}, new long[]{8}, invalidated::incrementAndGet);
            first.close();
            region.reclaim();
            assertEquals(0, invalidated.get(), "the second view still holds the epoch");
            assertEquals(expected(9), second.buffers()[0].get(1));
            second.close();
            assertEquals(2, invalidated.get());
        }
    }

    @Test
    void shouldRotateEpochsAfterAFixedNumberOfViews() throws Exception
    {
        final AtomicInteger invalidated = new AtomicInteger();
        try (MappedRegion region = map())
        {
            for (int i = 0; i < MappedRegion.VIEWS_PER_EPOCH * 3; i++)
            {
                region.openView(new long[]{i}, new long[]{1}, invalidated::incrementAndGet).close();
            }
            assertTrue(invalidated.get() >= MappedRegion.VIEWS_PER_EPOCH * 2, "got " + invalidated.get());
        }
        assertEquals(MappedRegion.VIEWS_PER_EPOCH * 3, invalidated.get(), "close retires the last epoch");
    }

    @Test
    void shouldKeepTheMappingWhileAViewOutlivesItsOwner() throws Exception
    {
        final MappedRegion region = map();
        final MappedView view = region.openView(new long[]{1000}, new long[]{100}, null);
        region.close();
        assertNull(region.openView(new long[]{0}, new long[]{1}, null), "a closed region opens no views");
        final ByteBuffer buffer = view.buffers()[0];
        assertEquals(expected(1050), buffer.get(50));
        view.close();
        assertThrows(IllegalStateException.class, () -> buffer.get(50));
    }
}
