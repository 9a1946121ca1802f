package dev.rawcache.io.mmap;

import dev.rawcache.io.CacheIoException;
import dev.rawcache.io.Checks;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A read-only mapping of a whole file, owned by one {@link Arena}, that stays mapped while anyone holds a reference
 * to it (the way Aeron's {@code LogBuffers.incRef/decRef} keeps log buffers mapped).
 * <p>
 * The creator holds the first reference and gives it up with {@link #close()}; each {@link MappedView} holds one
 * more. The arena is closed, and the memory unmapped, only when the count reaches zero, so a view handed to a
 * caller can never point at unmapped memory, which would crash the JVM. Accesses through {@link #segment()} that
 * race with the final unmap fail with {@link IllegalStateException}, never with a crash.
 * <p>
 * Thread-safe.
 */
public final class MappedRegion implements AutoCloseable
{
    private final Arena arena;
    private final MemorySegment segment;
    private final AtomicInteger references = new AtomicInteger(1);
    private volatile boolean closed;

    private MappedRegion(final Arena arena, final MemorySegment segment)
    {
        this.arena = arena;
        this.segment = segment;
    }

    /**
     * Maps {@code [0, length)} of {@code channel} read-only.
     *
     * @param channel the file to map; it may be closed afterwards, the mapping stays.
     * @param length  how many bytes to map.
     * @return the region, holding one reference for the caller.
     * @throws IOException when the mapping fails.
     */
    public static MappedRegion map(final FileChannel channel, final long length) throws IOException
    {
        Checks.requireArgument(length > 0, "mapping length %d must be positive", length);
        final Arena arena = Arena.ofShared();
        try
        {
            return new MappedRegion(arena, channel.map(FileChannel.MapMode.READ_ONLY, 0, length, arena));
        }
        catch (final IOException | RuntimeException e)
        {
            arena.close();
            throw e;
        }
    }

    /**
     * The whole mapping. Valid until the last reference is released.
     *
     * @return the mapped segment.
     */
    public MemorySegment segment()
    {
        return segment;
    }

    /**
     * The mapped length.
     *
     * @return length in bytes.
     */
    public long length()
    {
        return segment.byteSize();
    }

    /**
     * Takes a reference, keeping the memory mapped until {@link #release()}.
     *
     * @return true if taken, false if the region is already unmapped or its owner has closed it.
     */
    public boolean acquire()
    {
        while (true)
        {
            final int count = references.get();
            if (count <= 0 || closed)
            {
                return false;
            }
            if (references.compareAndSet(count, count + 1))
            {
                return true;
            }
        }
    }

    /**
     * Gives back a reference taken by {@link #acquire()}; the last one unmaps.
     */
    public void release()
    {
        final int count = references.decrementAndGet();
        if (count == 0)
        {
            arena.close();
        }
        else if (count < 0)
        {
            throw new IllegalStateException("mapped region released more often than acquired: " + count);
        }
    }

    /**
     * Opens a pinned view of {@code [offset, offset + length)} of the mapping, split at the given boundaries.
     *
     * @param offsets the file offset of each piece.
     * @param lengths the length of each piece.
     * @return the view, or null if the region is already closed.
     */
    public MappedView openView(final long[] offsets, final long[] lengths)
    {
        if (!acquire())
        {
            return null;
        }
        try
        {
            return new MappedView(this, offsets, lengths);
        }
        catch (final RuntimeException | Error e)
        {
            release();
            throw e;
        }
    }

    /**
     * Gives up the owner's reference: the memory is unmapped now, or when the last view closes.
     */
    @Override
    public void close()
    {
        if (!closed)
        {
            synchronized (this)
            {
                if (!closed)
                {
                    closed = true;
                    release();
                }
            }
        }
    }

    /**
     * Turns the JDK's {@link InternalError} for a faulting mapped access (the file was truncated, or the device
     * failed, under the mapping) into a clean {@link CacheIoException}.
     *
     * @param error the error thrown by the access.
     * @param what  what was being read, for the message.
     * @return the exception to throw.
     */
    public static CacheIoException faulted(final InternalError error, final String what)
    {
        return new CacheIoException(CacheIoException.Reason.IO, "mapped access faulted reading " + what +
            ": the cache file was truncated or its device failed under the mapping", error);
    }
}
