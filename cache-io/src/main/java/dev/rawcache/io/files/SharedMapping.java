package dev.rawcache.io.files;

import dev.rawcache.io.CacheIoException;
import dev.rawcache.io.ChannelHolder;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * One version of one file, mapped once and shared by every {@link MappedFile} handle on it: the owner of the file's
 * {@link FileChannel}, of the shared {@link Arena} that scopes the mapping, and so of the mapping itself.
 * <p>
 * The reference count and the index membership are guarded by the owning {@link MappedFileCache}'s lock; this class
 * only loads, transfers and unmaps. The arena is closed by {@link #unmap()} once the cache has decided nobody holds the
 * mapping. Every segment and buffer derived from the mapping is scoped to that arena, so an access after the unmap
 * throws {@link IllegalStateException}; it can never reach unmapped memory.
 * <p>
 * Thread-safe: loaded once by the thread that created it, then read by many; {@link #unmap()} and
 * {@link #reopen(FileChannel, IOException)} synchronise on the instance.
 */
final class SharedMapping implements ChannelHolder
{
    /** The segment of an empty file: no system call maps zero bytes. */
    static final MemorySegment EMPTY = MemorySegment.ofArray(new byte[0]).asReadOnly();
    /** How often a file that changes between the stat before and after its open is opened again. */
    static final int MAX_OPEN_ATTEMPTS = 4;
    private static final int MAX_WRITE_CHUNK = 1 << 30;

    final Path realPath;
    private final boolean cached;
    private final CompletableFuture<Void> loaded = new CompletableFuture<>();
    private volatile FileVersion version;
    private volatile String fileKey;
    private volatile FileChannel channel;
    private volatile MemorySegment segment = EMPTY;
    private Arena arena;
    private boolean mapped;
    private boolean released;

    /** Handles on this mapping, including acquirers waiting for the load; guarded by the cache's lock. */
    int references;
    /** Whether new acquirers can find this mapping in the cache's index; guarded by the cache's lock. */
    boolean indexed;

    private SharedMapping(final Path realPath, final FileVersion version, final boolean cached)
    {
        this.realPath = realPath;
        this.version = version;
        this.cached = cached;
    }

    /**
     * A mapping to be loaded by its creator and shared through the cache.
     *
     * @param realPath the file's real path.
     * @param seen     the version its creator's stat saw.
     * @return the unloaded mapping.
     */
    static SharedMapping pending(final Path realPath, final FileVersion seen)
    {
        return new SharedMapping(realPath, seen, true);
    }

    /**
     * The stand-in for an empty file: nothing mapped, nothing open, not shared.
     *
     * @param realPath the file's real path.
     * @param version  its version, with size 0.
     * @return the loaded, uncached stand-in.
     */
    static SharedMapping empty(final Path realPath, final FileVersion version)
    {
        final SharedMapping empty = new SharedMapping(realPath, version, false);
        empty.fileKey = version.etag();
        empty.loaded.complete(null);
        return empty;
    }

    /**
     * Opens and maps the file, checking that the stat before the open and the stat after it agree, so the version
     * recorded is the one the channel and mapping show. Applies {@code hint} to the new mapping.
     *
     * @param seen     the version the acquirer's stat saw.
     * @param hint     the advice for the new mapping.
     * @param relative the request path, for messages.
     * @return true when bytes were mapped, false for a file found empty.
     * @throws FileAccessException when the file cannot be opened or mapped, or keeps changing.
     */
    boolean load(final FileVersion seen, final AccessHint hint, final String relative)
    {
        FileVersion expected = seen;
        for (int attempt = 0; attempt < MAX_OPEN_ATTEMPTS; attempt++)
        {
            final FileChannel opened;
            try
            {
                opened = FileChannel.open(realPath, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
            }
            catch (final IOException e)
            {
                throw PathResolver.failure(relative, e);
            }
            Arena newArena = null;
            boolean kept = false;
            try
            {
                final FileVersion actual = FileVersion.readWithInode(realPath);
                if (actual == null)
                {
                    throw FileVersion.notRegular(relative, false);
                }
                if (!actual.sameAs(expected) || opened.size() != actual.size())
                {
                    expected = actual;
                    continue;
                }
                MemorySegment newSegment = EMPTY;
                if (actual.size() > 0)
                {
                    newArena = Arena.ofShared();
                    newSegment = opened.map(FileChannel.MapMode.READ_ONLY, 0, actual.size(), newArena).asReadOnly();
                    if (hint != AccessHint.NORMAL)
                    {
                        PageAdvisor.advise(newSegment, 0, actual.size(), hint);
                    }
                }
                synchronized (this)
                {
                    arena = newArena;
                    mapped = newArena != null;
                }
                segment = newSegment;
                channel = opened;
                fileKey = actual.etag();
                version = actual;
                kept = true;
                return newArena != null;
            }
            catch (final IOException e)
            {
                throw PathResolver.failure(relative, e);
            }
            finally
            {
                if (!kept)
                {
                    if (newArena != null)
                    {
                        newArena.close();
                    }
                    closeQuietly(opened);
                }
            }
        }
        throw new FileAccessException(FileAccessException.Reason.UNREADABLE, PathResolver.quote(relative) +
            " kept changing while it was being opened (" + MAX_OPEN_ATTEMPTS + " attempts)");
    }

    /**
     * Marks the load done: waiters may use the mapping.
     */
    void completeLoad()
    {
        loaded.complete(null);
    }

    /**
     * Marks the load failed: waiters get the failure.
     *
     * @param failure why the load failed.
     */
    void failLoad(final RuntimeException failure)
    {
        loaded.completeExceptionally(failure);
    }

    /**
     * Waits for the creator to load the mapping.
     *
     * @return null when loaded, or the creator's failure.
     */
    RuntimeException awaitLoad()
    {
        try
        {
            loaded.join();
            return null;
        }
        catch (final CompletionException e)
        {
            return e.getCause() instanceof RuntimeException re ? re : e;
        }
    }

    /**
     * Whether this mapping is shared through the cache (false for the stand-in of an empty file).
     *
     * @return true when the cache counts references on it.
     */
    boolean isCached()
    {
        return cached;
    }

    /**
     * Whether bytes were mapped (false for empty files).
     *
     * @return true when there is an arena to close.
     */
    synchronized boolean isMapped()
    {
        return mapped;
    }

    /**
     * The version: the one the creator's stat saw until the load ends, then the one the mapping shows.
     *
     * @return the version.
     */
    FileVersion version()
    {
        return version;
    }

    /**
     * The ETag-ready identity of the mapped version.
     *
     * @return inode, size and time in hexadecimal.
     */
    String fileKey()
    {
        return fileKey;
    }

    /**
     * The read-only mapped segment, or {@link #EMPTY}; valid until {@link #unmap()}.
     *
     * @return the segment.
     */
    MemorySegment segment()
    {
        return segment;
    }

    @Override
    public FileChannel channel()
    {
        return channel;
    }

    /**
     * Reopens the channel after another thread's interrupt closed it, but only onto the very file version mapped: if
     * the path now holds another file, the channel is dropped and transfers write from the mapping instead.
     *
     * @param broken the channel found closed.
     * @param cause  how it was found closed.
     * @return true when transfers may go on (through a new channel or the mapping), false once unmapped.
     */
    @Override
    public synchronized boolean reopen(final FileChannel broken, final IOException cause)
    {
        if (released)
        {
            return false;
        }
        if (channel != broken)
        {
            return true;
        }
        FileChannel reopened = null;
        try
        {
            reopened = FileChannel.open(realPath, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
            final FileVersion now = FileVersion.readWithInode(realPath);
            if (now != null && now.sameAs(version) && reopened.size() == now.size())
            {
                channel = reopened;
                return true;
            }
        }
        catch (final IOException e)
        {
            // The file is gone or unreadable now: fall back to the mapping.
        }
        closeQuietly(reopened);
        channel = null;
        return true;
    }

    /**
     * Sends {@code count} bytes from {@code position} to {@code target}: through {@code sendfile} on the shared
     * channel, looping over partial transfers, or, when the channel could not be reopened onto this version, by
     * writing from the mapping.
     *
     * @param position the first byte, within the file.
     * @param count    how many bytes, within the file.
     * @param target   the channel to send to.
     * @param relative the request path, for messages.
     * @return the bytes sent: {@code count}, or fewer when the target would take no more now.
     * @throws EOFException when the file was truncated under the mapping.
     * @throws IOException  when the transfer fails, or this thread was interrupted.
     */
    long transfer(final long position, final long count, final WritableByteChannel target, final String relative)
        throws IOException
    {
        long sent = 0;
        while (sent < count)
        {
            final FileChannel source = channel;
            if (source == null)
            {
                requireNotReleased();
                return sent + writeFromMapping(position + sent, count - sent, target, relative);
            }
            final long n;
            try
            {
                n = source.transferTo(position + sent, count - sent, target);
            }
            catch (final ClosedChannelException e)
            {
                if (source.isOpen() || !target.isOpen())
                {
                    throw e;
                }
                // Our channel was closed by an interrupt (this thread's or another's): reopen it for everyone, then
                // give the interrupted thread its exception and let the others go on.
                final boolean goOn = reopen(source, e);
                if (!goOn || e instanceof ClosedByInterruptException || Thread.currentThread().isInterrupted())
                {
                    throw e;
                }
                continue;
            }
            if (n > 0)
            {
                sent += n;
                continue;
            }
            final long size = source.size();
            if (position + sent >= size)
            {
                throw new EOFException(String.format("%s was truncated under its mapping: sending %d bytes at offset "
                    + "%d stopped after %d, the file is now %d bytes", PathResolver.quote(relative), count, position,
                    sent, size));
            }
            break;
        }
        return sent;
    }

    private long writeFromMapping(final long position, final long count, final WritableByteChannel target,
                                  final String relative) throws IOException
    {
        long sent = 0;
        try
        {
            while (sent < count)
            {
                final ByteBuffer chunk = segment.asSlice(position + sent, Math.min(count - sent, MAX_WRITE_CHUNK))
                    .asByteBuffer();
                final int written = target.write(chunk);
                sent += written;
                if (written == 0)
                {
                    break;
                }
            }
        }
        catch (final InternalError e)
        {
            throw faulted(e, relative, position + sent, count - sent);
        }
        return sent;
    }

    private synchronized void requireNotReleased() throws ClosedChannelException
    {
        if (released)
        {
            throw new ClosedChannelException();
        }
    }

    /**
     * The clean exception for an {@link InternalError} raised by a faulting mapped access.
     *
     * @param error    the error.
     * @param relative the request path.
     * @param offset   where the access started.
     * @param length   how many bytes it covered.
     * @return the exception to throw.
     */
    static CacheIoException faulted(final InternalError error, final String relative, final long offset,
                                    final long length)
    {
        return new CacheIoException(CacheIoException.Reason.IO, String.format("mapped read of %d bytes at offset %d "
            + "of %s faulted: the file was truncated or its device failed under the mapping", length, offset,
            PathResolver.quote(relative)), error);
    }

    /**
     * Closes the arena, which unmaps the memory and invalidates every segment and buffer made from it, then the
     * channel. Called once the cache has taken the mapping out of use.
     *
     * @return true when done; false when the arena is still held by an I/O operation on one of its buffers (a caller
     *         using a buffer after closing its handle), in which case the caller retries later.
     */
    synchronized boolean unmap()
    {
        released = true;
        if (arena != null)
        {
            try
            {
                arena.close();
            }
            catch (final IllegalStateException e)
            {
                return false;
            }
            arena = null;
        }
        final FileChannel open = channel;
        channel = null;
        closeQuietly(open);
        return true;
    }

    private static void closeQuietly(final FileChannel channel)
    {
        if (channel == null)
        {
            return;
        }
        try
        {
            channel.close();
        }
        catch (final IOException ignored)
        {
            // A read-only channel has nothing to flush; the descriptor is released either way.
        }
    }

    @Override
    public String toString()
    {
        return "SharedMapping[" + fileKey + ", " + references + " refs" + (indexed ? "" : ", detached") + "]";
    }
}
