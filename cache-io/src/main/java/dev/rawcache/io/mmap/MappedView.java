package dev.rawcache.io.mmap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Zero-copy, read-only views of pieces of a {@link MappedRegion}, valid until {@link #close()}.
 * <p>
 * Each view's segments are re-scoped to an arena of the view's own, so closing the view invalidates them and every
 * {@link ByteBuffer} made from them: a later access throws {@link IllegalStateException} instead of reading memory
 * that may by then hold other bytes. The view holds a reference on its region, so the mapping itself outlives it.
 * <p>
 * Thread-safe: the buffers may be read from any thread until the view is closed; {@link #close()} runs once.
 */
public final class MappedView implements AutoCloseable
{
    private final MappedRegion region;
    private final Arena arena;
    private final MemorySegment[] segments;
    private final long byteSize;
    private final AtomicBoolean closed = new AtomicBoolean();

    MappedView(final MappedRegion region, final long[] offsets, final long[] lengths)
    {
        this.region = region;
        this.arena = Arena.ofShared();
        this.segments = new MemorySegment[offsets.length];
        long total = 0;
        final MemorySegment whole = region.segment();
        for (int i = 0; i < offsets.length; i++)
        {
            segments[i] = whole.asSlice(offsets[i], lengths[i]).reinterpret(arena, null);
            total += lengths[i];
        }
        this.byteSize = total;
    }

    /**
     * The pieces, in order. Valid until {@link #close()}.
     *
     * @return the segments; do not modify the array.
     */
    public MemorySegment[] segments()
    {
        return segments;
    }

    /**
     * The pieces as read-only buffers, in order, each limited to its piece. Valid until {@link #close()}.
     *
     * @return a new array of read-only buffers.
     */
    public ByteBuffer[] buffers()
    {
        final ByteBuffer[] buffers = new ByteBuffer[segments.length];
        for (int i = 0; i < segments.length; i++)
        {
            buffers[i] = segments[i].asByteBuffer().asReadOnlyBuffer();
        }
        return buffers;
    }

    /**
     * The total length of all pieces.
     *
     * @return length in bytes.
     */
    public long byteSize()
    {
        return byteSize;
    }

    /**
     * Whether the view is still open.
     *
     * @return true until {@link #close()}.
     */
    public boolean isOpen()
    {
        return !closed.get();
    }

    /**
     * Invalidates the segments and buffers and releases the region. Idempotent.
     */
    @Override
    public void close()
    {
        if (closed.compareAndSet(false, true))
        {
            try
            {
                arena.close();
            }
            finally
            {
                region.release();
            }
        }
    }
}
