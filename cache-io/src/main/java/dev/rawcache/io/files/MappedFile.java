package dev.rawcache.io.files;

import dev.rawcache.io.CacheIoException;
import dev.rawcache.io.Checks;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.WritableByteChannel;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A handle on one mapped version of a file, returned by {@link MappedFileCache#acquire(String)}: it pins the shared
 * mapping until {@link #close()}, and must be closed (try-with-resources) or the mapping is never released.
 * <p>
 * <b>After close.</b> Every method that reads bytes ({@link #segment()}, {@link #slice(long, int)},
 * {@link #copyTo(long, ByteBuffer)}, {@link #transferTo(long, long, WritableByteChannel)},
 * {@link #advise(AccessHint, long, long)}) throws {@link IllegalStateException} once the handle is closed. A segment or
 * buffer taken from the handle <i>before</i> its close is scoped to the shared mapping, not to the handle: it keeps
 * showing this file version's bytes while other handles or the cache keep the mapping, and throws
 * {@link IllegalStateException} on every access once the mapping is unmapped. It never reads unmapped memory and never
 * shows another file's bytes, but do not rely on it past {@link #close()}. (Scoping each handle to its own shared arena
 * would make such use fail at once, at the price of a JVM-wide thread handshake, tens of microseconds, per request.)
 * The metadata ({@link #relativePath()}, {@link #size()}, {@link #lastModifiedMillis()}, {@link #fileKey()}) stays
 * readable after close.
 * <p>
 * <b>Truncation.</b> The kernel cannot show bytes past the end of a file truncated under a mapping: a direct access
 * through {@link #segment()} or a {@link #slice(long, int)} buffer then throws {@link InternalError} (synchronously and
 * catchably on JDK 25; the JVM survives). {@link #copyTo(long, ByteBuffer)} turns that into a
 * {@link CacheIoException}; {@link #transferTo(long, long, WritableByteChannel)} reports it as an
 * {@link EOFException}. Publish new versions by writing a temporary file and renaming it over the old one, and open
 * handles keep their old bytes.
 * <p>
 * Not thread-safe: a handle belongs to one request at a time (it may be handed between threads with the usual
 * happens-before), while any number of handles share one mapping. {@link #close()} is idempotent and safe from any
 * thread.
 */
public final class MappedFile implements AutoCloseable
{
    private final MappedFileCache cache;
    private final SharedMapping mapping;
    private final String relativePath;
    private final MemorySegment segment;
    private final FileVersion version;
    private final AtomicBoolean closed = new AtomicBoolean();

    MappedFile(final MappedFileCache cache, final SharedMapping mapping, final String relativePath)
    {
        this.cache = cache;
        this.mapping = mapping;
        this.relativePath = relativePath;
        this.segment = mapping.segment();
        this.version = mapping.version();
    }

    /**
     * The request path this handle was acquired with, as validated (segments separated by {@code '/'}, none empty,
     * {@code .} or {@code ..}); a symbolic link inside the root is not resolved in it.
     *
     * @return the relative path.
     */
    public String relativePath()
    {
        return relativePath;
    }

    /**
     * The length of the mapped version of the file.
     *
     * @return the size in bytes.
     */
    public long size()
    {
        return version.size();
    }

    /**
     * The last-modified time of the mapped version, for a {@code Last-Modified} header.
     *
     * @return milliseconds since the epoch.
     */
    public long lastModifiedMillis()
    {
        return version.lastModifiedMillis();
    }

    /**
     * A stable identity of the mapped version, made of its inode number, size and last-modified time in
     * microseconds, in hexadecimal: it changes whenever the cache would map the file anew, names no path, and can be
     * used as an ETag as it is.
     *
     * @return for example {@code "1a2b3-4000-63f1c2d3e4f5a"}.
     */
    public String fileKey()
    {
        return mapping.fileKey();
    }

    /**
     * Whether the handle is still open.
     *
     * @return true until {@link #close()}.
     */
    public boolean isOpen()
    {
        return !closed.get();
    }

    /**
     * The whole file as a read-only, zero-copy segment (empty for an empty file).
     *
     * @return the mapped segment; see the class comment for its lifetime.
     * @throws IllegalStateException when the handle is closed.
     */
    public MemorySegment segment()
    {
        requireOpen();
        return segment;
    }

    /**
     * A read-only, zero-copy buffer over {@code [offset, offset + length)} of the file.
     *
     * @param offset the first byte, from 0 to {@link #size()}.
     * @param length how many bytes, with {@code offset + length <= size()}.
     * @return a read-only buffer with position 0 and limit {@code length}; see the class comment for its lifetime.
     * @throws IllegalArgumentException when the range is negative or runs past the end of the file.
     * @throws IllegalStateException    when the handle is closed.
     */
    public ByteBuffer slice(final long offset, final int length)
    {
        requireOpen();
        requireRange(offset, length);
        return segment.asSlice(offset, length).asByteBuffer();
    }

    /**
     * Copies bytes from the file at {@code offset} into {@code dst}: as many as {@code dst} has room for, fewer at the
     * end of the file. The safe way to read a mapping whose file may be truncated underneath.
     *
     * @param offset the first byte to copy, from 0 to {@link #size()}.
     * @param dst    the buffer to fill from its position; its position advances by the bytes copied.
     * @return the bytes copied, 0 at the end of the file or when {@code dst} is full.
     * @throws IllegalArgumentException when {@code offset} is negative or past the end of the file.
     * @throws ReadOnlyBufferException  when {@code dst} is read-only.
     * @throws IllegalStateException    when the handle is closed.
     * @throws CacheIoException         with reason {@code IO} when the mapped read faults because the file was
     *                                  truncated (or its device failed) under the mapping; names the file and the
     *                                  offset.
     */
    public int copyTo(final long offset, final ByteBuffer dst)
    {
        requireOpen();
        Objects.requireNonNull(dst, "dst");
        if (dst.isReadOnly())
        {
            throw new ReadOnlyBufferException();
        }
        Checks.requireArgument(offset >= 0 && offset <= size(), "offset %d must be within [0, %d], the size of %s",
            offset, size(), PathResolver.quote(relativePath));
        final int length = (int)Math.min(dst.remaining(), size() - offset);
        if (length == 0)
        {
            return 0;
        }
        try
        {
            MemorySegment.copy(segment, offset, MemorySegment.ofBuffer(dst), 0, length);
        }
        catch (final InternalError e)
        {
            throw SharedMapping.faulted(e, relativePath, offset, length);
        }
        dst.position(dst.position() + length);
        return length;
    }

    /**
     * Sends bytes of the file to {@code target} through {@link java.nio.channels.FileChannel#transferTo}
     * ({@code sendfile} for a socket) on the channel the shared mapping keeps open, looping over partial transfers.
     * <p>
     * Pass the JDK's own channel (a {@code SocketChannel}, not a wrapper) or the JDK copies through a buffer. If
     * another request's interrupt closed the shared channel, it is reopened onto the same file version for everyone;
     * if the path meanwhile holds a new version, this mapping's bytes are written from memory instead.
     *
     * @param position the first byte to send, from 0 to {@link #size()}.
     * @param count    how many bytes to send; clamped to {@code size() - position}.
     * @param target   the channel to send to.
     * @return the bytes sent: the clamped count, or fewer when a non-blocking target takes no more now.
     * @throws IllegalArgumentException when {@code position} or {@code count} is negative, or {@code position} is past
     *                                  the end of the file.
     * @throws IllegalStateException    when the handle is closed.
     * @throws EOFException             when the file was truncated under the mapping.
     * @throws IOException              when the transfer fails, or this thread was interrupted.
     */
    public long transferTo(final long position, final long count, final WritableByteChannel target)
        throws IOException
    {
        requireOpen();
        Objects.requireNonNull(target, "target");
        Checks.requireArgument(position >= 0 && position <= size() && count >= 0,
            "position %d must be within [0, %d], the size of %s, and count %d must not be negative", position, size(),
            PathResolver.quote(relativePath), count);
        final long clamped = Math.min(count, size() - position);
        if (clamped == 0)
        {
            return 0;
        }
        return mapping.transfer(position, clamped, target, relativePath);
    }

    /**
     * Advises the kernel how {@code [offset, offset + length)} will be read ({@code madvise(2)}, the start rounded
     * down to a page). A hint never changes the bytes read; where hints are unavailable it does nothing.
     *
     * @param hint   the advice.
     * @param offset the first byte, from 0 to {@link #size()}.
     * @param length how many bytes, with {@code offset + length <= size()}.
     * @return true when the kernel took the advice; false when the range is empty, hints are unavailable on this
     *         platform, or the kernel refused this advice for this file (for example {@link AccessHint#HUGE_PAGES}
     *         where file-backed huge pages are not supported).
     * @throws IllegalArgumentException when the range is negative or runs past the end of the file.
     * @throws IllegalStateException    when the handle is closed.
     */
    public boolean advise(final AccessHint hint, final long offset, final long length)
    {
        requireOpen();
        Objects.requireNonNull(hint, "hint");
        requireRange(offset, length);
        return PageAdvisor.advise(segment, offset, length, hint);
    }

    /**
     * Releases this handle's reference on the shared mapping: the last one unmaps it if the cache no longer keeps
     * it. Idempotent.
     */
    @Override
    public void close()
    {
        if (closed.compareAndSet(false, true) && mapping.isCached())
        {
            cache.release(mapping);
        }
    }

    /** The shared mapping behind this handle, for tests in this package. */
    SharedMapping mapping()
    {
        return mapping;
    }

    private void requireOpen()
    {
        Checks.requireState(!closed.get(), "the handle on %s is closed", PathResolver.quote(relativePath));
    }

    private void requireRange(final long offset, final long length)
    {
        Checks.requireArgument(offset >= 0 && length >= 0 && offset <= size() - length,
            "range [%d, %d + %d) must lie within [0, %d], the size of %s", offset, offset, length, size(),
            PathResolver.quote(relativePath));
    }

    @Override
    public String toString()
    {
        return "MappedFile[" + PathResolver.quote(relativePath) + ", " + size() + " bytes" +
            (isOpen() ? "" : ", closed") + "]";
    }
}
