package dev.rawcache;

import dev.rawcache.io.mmap.MappedView;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A value handed out by {@link RawDiskCache#lookupZeroCopy(String)}: either read-only views straight into the
 * mapped cache file (values at or above the mmap threshold) or a private copy made by positional read (below it).
 * <p>
 * A mapped entry pins its blocks: they are not reused, even if the key is overwritten, removed or evicted, until
 * {@link #close()} and the end of the grace period it was opened in. After close, {@link #buffers()} throws; a buffer
 * obtained before close still shows this entry's bytes until the grace period ends, and from then on throws
 * {@link IllegalStateException} on access. It never shows bytes of another entry. Grace periods end every few
 * milliseconds under load, before a store evicts anything, and on {@link RawDiskCache#reclaimClosedViews()}. Close
 * every entry, best with try-with-resources: an entry never closed keeps its blocks, and the mapping, forever.
 * <p>
 * Thread-safe: the buffers may be read from several threads (each gets its own positions from {@link #buffers()})
 * until close; {@link #close()} runs once.
 */
public final class CachedEntry implements AutoCloseable
{
    private final String key;
    private final long size;
    private final MappedView view;
    private final ByteBuffer copy;
    private final Runnable onClose;
    private final AtomicBoolean closed = new AtomicBoolean();

    private CachedEntry(final String key, final long size, final MappedView view, final ByteBuffer copy,
                        final Runnable onClose)
    {
        this.key = key;
        this.size = size;
        this.view = view;
        this.copy = copy;
        this.onClose = onClose;
    }

    static CachedEntry mapped(final String key, final long size, final MappedView view, final Runnable onClose)
    {
        return new CachedEntry(key, size, view, null, onClose);
    }

    static CachedEntry copied(final String key, final ByteBuffer copy)
    {
        return new CachedEntry(key, copy.remaining(), null, copy.asReadOnlyBuffer(), null);
    }

    /**
     * The key this entry was looked up by.
     *
     * @return the key.
     */
    public String key()
    {
        return key;
    }

    /**
     * The value's length.
     *
     * @return bytes.
     */
    public long size()
    {
        return size;
    }

    /**
     * The value as read-only buffers, one per extent for a mapped entry (in order; their lengths add up to
     * {@link #size()}), or one buffer for a copied entry. Each call returns fresh buffers with their own positions.
     *
     * @return the buffers.
     * @throws IllegalStateException after {@link #close()}.
     */
    public ByteBuffer[] buffers()
    {
        if (closed.get())
        {
            throw new IllegalStateException("entry " + key + " is closed; its buffers are no longer valid");
        }
        return view != null ? view.buffers() : new ByteBuffer[]{copy.duplicate()};
    }

    /**
     * Whether the buffers are views of the mapped file (zero-copy) rather than a copy.
     *
     * @return true for a mapped entry.
     */
    public boolean isMapped()
    {
        return view != null;
    }

    /**
     * Whether {@link #close()} has been called.
     *
     * @return true once closed.
     */
    public boolean isClosed()
    {
        return closed.get();
    }

    /**
     * Invalidates the buffers of a mapped entry and releases its pin on the blocks. Idempotent.
     */
    @Override
    public void close()
    {
        if (closed.compareAndSet(false, true) && view != null)
        {
            onClose.run();
            view.close();
        }
    }
}
