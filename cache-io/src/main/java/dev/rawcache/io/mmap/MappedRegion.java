package dev.rawcache.io.mmap;

import dev.rawcache.io.CacheIoException;
import dev.rawcache.io.Checks;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A read-only mapping of a whole file that hands out zero-copy {@link MappedView}s which cannot outlive their
 * bytes.
 * <p>
 * <b>The problem.</b> A view handed to a caller must stop working when the caller closes it: the blocks behind it
 * are then reused for other entries, and a stale {@code ByteBuffer} would show them. The JDK can invalidate memory
 * segments by closing their {@link Arena}, but closing a shared arena costs a handshake with every thread in the
 * JVM: about 60 microseconds measured on JDK 25 (and 0.4 microseconds for a confined arena, which only its own
 * thread may use). One shared arena per view would cost more than copying 64 KiB.
 * <p>
 * <b>The choice: grace periods.</b> Views are scoped to an <i>epoch</i>, a shared arena that many views share.
 * Closing a view does not close the arena; it hands the epoch a callback (in the cache, the release of the entry's
 * pin) and drops its hold. The current epoch is retired after {@link #VIEWS_PER_EPOCH} views or
 * {@link #EPOCH_NANOS} nanoseconds, or on {@link #reclaim()}; once retired and its last view closed, the arena is
 * closed, invalidating every segment and buffer of that epoch, and only then do the callbacks run. So a buffer used
 * after its view was closed either still shows its own entry's bytes (the blocks are still pinned) or throws
 * {@link IllegalStateException}; it never shows another entry's bytes. The handshake is paid once per epoch. The
 * price: a closed view's blocks come back up to one epoch later, or later still while another view of the same epoch
 * stays open; {@link #reclaim()} ends the current epoch at once for callers that need the space now.
 * <p>
 * <b>Lifetime.</b> The mapping itself is reference-counted (as Aeron's {@code LogBuffers.incRef/decRef}): the owner
 * holds one reference, each live epoch one more, and the mapping's arena closes only when the count reaches zero, so
 * no view can point at unmapped memory, which would crash the JVM. Accesses through {@link #segment()} that race
 * with the final unmap fail with {@link IllegalStateException}, never with a crash.
 * <p>
 * Thread-safe.
 */
public final class MappedRegion implements AutoCloseable
{
    /** Views an epoch serves before it is retired. */
    public static final int VIEWS_PER_EPOCH = 256;
    /** Age after which an epoch is retired at the next view it would serve. */
    public static final long EPOCH_NANOS = 2_000_000L;

    private final Arena arena;
    private final MemorySegment segment;
    private final AtomicInteger references = new AtomicInteger(1);
    private final AtomicReference<Epoch> current = new AtomicReference<>();
    private final ConcurrentLinkedQueue<Epoch> failedRetirements = new ConcurrentLinkedQueue<>();
    private final Object rotationLock = new Object();
    private volatile Runnable onUnmapped;
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
     * The whole mapping, for short reads by the owner. Valid until the owner closes the region; an access racing
     * with that fails with {@link IllegalStateException}.
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
     * Opens a zero-copy view of pieces of the mapping, scoped to the current epoch.
     *
     * @param offsets      the file offset of each piece.
     * @param lengths      the length of each piece.
     * @param onInvalidated what to run once the view's bytes can no longer be read through it (after the view is
     *                     closed and its epoch retired), e.g. releasing a pin on the blocks; may be null.
     * @return the view, or null if the region is closed.
     */
    public MappedView openView(final long[] offsets, final long[] lengths, final Runnable onInvalidated)
    {
        final Epoch epoch = holdEpoch();
        if (epoch == null)
        {
            return null;
        }
        try
        {
            return new MappedView(this, epoch, offsets, lengths, onInvalidated);
        }
        catch (final RuntimeException | Error e)
        {
            dropHold(epoch, null);
            throw e;
        }
    }

    /**
     * Ends the current epoch now: once the views still open in it close, its arena is closed and the callbacks of
     * all its closed views run. Costs one thread handshake when the epoch retires.
     */
    public void reclaim()
    {
        retryFailedRetirements();
        final Epoch epoch = current.get();
        if (epoch != null && epoch.served.get() > 0)
        {
            rotate(epoch, true);
        }
    }

    /**
     * Ends the current epoch if it has served views and is older than {@link #EPOCH_NANOS}: bounds how long blocks of
     * closed views wait when no new view comes to end the epoch. Cheap when there is nothing to do; when the old
     * epoch has no open views left, it retires here, which costs one thread handshake at most once per epoch.
     */
    public void reclaimIfStale()
    {
        final Epoch epoch = current.get();
        if (epoch != null && epoch.served.get() > 0 && System.nanoTime() - epoch.startNanos > EPOCH_NANOS)
        {
            rotate(epoch, true);
        }
    }

    /**
     * Sets what to run once the memory is finally unmapped: after the owner's close and the last view's retirement.
     * The cache file keeps its lock until then, so no other cache can reuse blocks that an open view still shows.
     *
     * @param onUnmapped the action, run once, on the thread that drops the last reference.
     */
    public void onUnmapped(final Runnable onUnmapped)
    {
        this.onUnmapped = onUnmapped;
    }

    /**
     * Takes a reference, keeping the memory mapped until {@link #release()}.
     *
     * @return true if taken, false if the region is already unmapped or its owner has closed it.
     */
    boolean acquire()
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
     * Gives back a reference; the last one unmaps.
     */
    void release()
    {
        final int count = references.decrementAndGet();
        if (count == 0)
        {
            try
            {
                arena.close();
            }
            finally
            {
                final Runnable action = onUnmapped;
                if (action != null)
                {
                    action.run();
                }
            }
        }
        else if (count < 0)
        {
            throw new IllegalStateException("mapped region released more often than acquired: " + count);
        }
    }

    /**
     * Gives up the owner's reference and retires the current epoch: the memory is unmapped once the last open view
     * closes. Idempotent.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        final Epoch last;
        synchronized (rotationLock)
        {
            if (closed)
            {
                return;
            }
            closed = true;
            last = current.getAndSet(null);
        }
        if (last != null)
        {
            dropHold(last, null);
        }
        retryFailedRetirements();
        release();
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

    void dropHold(final Epoch epoch, final Runnable onRetire)
    {
        if (onRetire != null)
        {
            epoch.onRetire.add(onRetire);
        }
        if (epoch.holds.decrementAndGet() == 0)
        {
            retire(epoch);
        }
    }

    private Epoch holdEpoch()
    {
        while (true)
        {
            Epoch epoch = current.get();
            if (epoch == null)
            {
                synchronized (rotationLock)
                {
                    if (closed)
                    {
                        return null;
                    }
                    epoch = current.get();
                    if (epoch == null)
                    {
                        epoch = newEpoch();
                        if (epoch == null)
                        {
                            return null;
                        }
                        current.set(epoch);
                    }
                }
            }
            if (!epoch.tryHold())
            {
                continue;
            }
            final int served = epoch.served.incrementAndGet();
            if (served == VIEWS_PER_EPOCH || (served < VIEWS_PER_EPOCH &&
                System.nanoTime() - epoch.startNanos > EPOCH_NANOS))
            {
                rotate(epoch, true);
            }
            return epoch;
        }
    }

    private void rotate(final Epoch epoch, final boolean replace)
    {
        synchronized (rotationLock)
        {
            if (current.get() != epoch)
            {
                return;
            }
            current.set(replace && !closed ? newEpoch() : null);
        }
        dropHold(epoch, null);
    }

    private Epoch newEpoch()
    {
        if (!acquire())
        {
            return null;
        }
        return new Epoch();
    }

    private void retire(final Epoch epoch)
    {
        try
        {
            epoch.arena.close();
        }
        catch (final IllegalStateException e)
        {
            // A caller is still inside an I/O call on a buffer of this epoch (the arena is "acquired"): try later.
            failedRetirements.add(epoch);
            return;
        }
        Runnable callback;
        Throwable failure = null;
        while ((callback = epoch.onRetire.poll()) != null)
        {
            try
            {
                callback.run();
            }
            catch (final RuntimeException | Error e)
            {
                if (failure == null)
                {
                    failure = e;
                }
                else
                {
                    failure.addSuppressed(e);
                }
            }
        }
        release();
        if (failure instanceof RuntimeException re)
        {
            throw re;
        }
        if (failure instanceof Error err)
        {
            throw err;
        }
    }

    private void retryFailedRetirements()
    {
        for (int i = failedRetirements.size(); i > 0; i--)
        {
            final Epoch epoch = failedRetirements.poll();
            if (epoch == null)
            {
                return;
            }
            retire(epoch);
        }
    }

    /**
     * A grace period: a shared arena that scopes the views opened during it.
     */
    static final class Epoch
    {
        final Arena arena = Arena.ofShared();
        /** One hold for being current, one per open view. */
        final AtomicInteger holds = new AtomicInteger(1);
        final AtomicInteger served = new AtomicInteger();
        final long startNanos = System.nanoTime();
        final ConcurrentLinkedQueue<Runnable> onRetire = new ConcurrentLinkedQueue<>();

        boolean tryHold()
        {
            while (true)
            {
                final int count = holds.get();
                if (count <= 0)
                {
                    return false;
                }
                if (holds.compareAndSet(count, count + 1))
                {
                    return true;
                }
            }
        }
    }
}
