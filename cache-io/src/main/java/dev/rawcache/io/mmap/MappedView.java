package dev.rawcache.io.mmap;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Zero-copy, read-only views of pieces of a {@link MappedRegion}.
 * <p>
 * The segments are scoped to the region's current epoch (see {@link MappedRegion}): after {@link #close()} they stay
 * readable, showing this view's own bytes, until the epoch retires, and from then on every access, through a segment
 * or a {@link ByteBuffer} made from one, throws {@link IllegalStateException}. The view's {@code onInvalidated}
 * callback runs only after that point, so the bytes it covers can be reused safely then.
 * <p>
 * Thread-safe: the buffers may be read from any thread; {@link #close()} runs once.
 */
public final class MappedView implements AutoCloseable
{
    private final MappedRegion region;
    private final MappedRegion.Epoch epoch;
    private final MemorySegment[] segments;
    private final long byteSize;
    private final Runnable onInvalidated;
    private final AtomicBoolean closed = new AtomicBoolean();

    @SuppressWarnings("restricted") // reinterpret: re-scopes a slice of a live mapping to its epoch's arena
    MappedView(final MappedRegion region, final MappedRegion.Epoch epoch, final long[] offsets,
               final long[] lengths, final Runnable onInvalidated)
    {
        this.region = region;
        this.epoch = epoch;
        this.onInvalidated = onInvalidated;
        this.segments = new MemorySegment[offsets.length];
        long total = 0;
        final MemorySegment whole = region.segment();
        for (int i = 0; i < offsets.length; i++)
        {
            // Read-only whatever the region's mapping is: a view must never write the cache file.
            segments[i] = whole.asSlice(offsets[i], lengths[i]).reinterpret(epoch.arena, null).asReadOnly();
            total += lengths[i];
        }
        this.byteSize = total;
    }

    /**
     * The pieces, in order.
     *
     * @return the segments; do not modify the array.
     */
    public MemorySegment[] segments()
    {
        return segments;
    }

    /**
     * The pieces as read-only buffers, in order, each limited to its piece.
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
     * Drops this view's hold on its epoch; the segments are invalidated, and {@code onInvalidated} runs, when the
     * epoch retires. Idempotent.
     */
    @Override
    public void close()
    {
        if (closed.compareAndSet(false, true))
        {
            region.dropHold(epoch, onInvalidated);
        }
    }
}
