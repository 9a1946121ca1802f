package dev.rawcache.io.file;

import dev.rawcache.io.CacheIoException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Makes sure one cache file is open for writing by one cache only, across processes and within one.
 * <p>
 * <b>Why a separate lock file.</b> {@link FileChannel#tryLock()} takes a POSIX record lock, which belongs to the
 * process, not to the channel: closing <i>any</i> descriptor of the locked file in the same process drops it. The
 * cache file is opened by other code of this process too (native preallocation, a tool reading the superblock, a
 * refused second open), and each of those closes would silently unlock the cache. So the lock lives on
 * {@code <cache file>.lock}, a file nothing else ever opens, and an in-process registry refuses a second open before
 * it could open (and close) the lock file. The lock file holds the owner's pid for diagnostics and is left in place at
 * close: deleting it would let two processes lock two different files of the same name.
 * <p>
 * Thread-safe. {@link #close()} runs once.
 */
public final class CacheFileLock implements AutoCloseable
{
    private static final Set<Path> HELD_IN_THIS_PROCESS = ConcurrentHashMap.newKeySet();

    private final Path cacheFile;
    private final Path lockFile;
    private final FileChannel channel;
    private final FileLock lock;
    private final AtomicBoolean closed = new AtomicBoolean();

    private CacheFileLock(final Path cacheFile, final Path lockFile, final FileChannel channel, final FileLock lock)
    {
        this.cacheFile = cacheFile;
        this.lockFile = lockFile;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * The lock file of a cache file.
     *
     * @param cacheFile the cache file.
     * @return {@code <cache file>.lock} beside it.
     */
    public static Path lockFileOf(final Path cacheFile)
    {
        final Path absolute = cacheFile.toAbsolutePath();
        return absolute.resolveSibling(absolute.getFileName() + ".lock");
    }

    /**
     * Takes the exclusive lock of a cache file, creating its directory and lock file if needed.
     *
     * @param cacheFile the cache file (which need not exist yet).
     * @return the lock, to close when the cache closes.
     * @throws CacheIoException {@code LOCKED} when this or another process holds it, {@code IO} when the lock file
     *                          cannot be made.
     */
    public static CacheFileLock acquire(final Path cacheFile)
    {
        final Path canonical;
        try
        {
            canonical = canonical(cacheFile);
        }
        catch (final IOException e)
        {
            throw new CacheIoException(CacheIoException.Reason.IO, "cannot resolve " + cacheFile + ": " +
                e.getMessage(), e);
        }
        if (!HELD_IN_THIS_PROCESS.add(canonical))
        {
            throw new CacheIoException(CacheIoException.Reason.LOCKED, canonical + " is already open by another " +
                "cache in this process (a closed cache keeps it until its last zero-copy view is closed)");
        }
        final Path lockFile = lockFileOf(canonical);
        FileChannel channel = null;
        try
        {
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
            final FileLock lock;
            try
            {
                lock = channel.tryLock();
            }
            catch (final OverlappingFileLockException e)
            {
                throw new CacheIoException(CacheIoException.Reason.LOCKED,
                    canonical + " is already open by another cache in this process", e);
            }
            if (lock == null)
            {
                throw new CacheIoException(CacheIoException.Reason.LOCKED, canonical + " is locked by another " +
                    "process (" + owner(channel) + "; lock file " + lockFile + "); only one cache may open a file");
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + "\n")
                .getBytes(StandardCharsets.US_ASCII)), 0);
            return new CacheFileLock(canonical, lockFile, channel, lock);
        }
        catch (final IOException e)
        {
            abandon(canonical, channel, e);
            throw new CacheIoException(CacheIoException.Reason.IO, "cannot lock " + canonical + " through " +
                lockFile + ": " + e.getMessage(), e);
        }
        catch (final RuntimeException | Error e)
        {
            abandon(canonical, channel, e);
            throw e;
        }
    }

    private static void abandon(final Path canonical, final FileChannel channel, final Throwable failure)
    {
        HELD_IN_THIS_PROCESS.remove(canonical);
        if (channel != null)
        {
            try
            {
                channel.close();
            }
            catch (final IOException suppressed)
            {
                failure.addSuppressed(suppressed);
            }
        }
    }

    /**
     * The cache file this lock guards, with symbolic links resolved.
     *
     * @return the canonical path.
     */
    public Path cacheFile()
    {
        return cacheFile;
    }

    /**
     * The lock file.
     *
     * @return its path.
     */
    public Path lockFile()
    {
        return lockFile;
    }

    /**
     * Releases the lock. Idempotent.
     */
    @Override
    public void close()
    {
        if (!closed.compareAndSet(false, true))
        {
            return;
        }
        try
        {
            lock.release();
            channel.close();
        }
        catch (final IOException e)
        {
            throw new CacheIoException(CacheIoException.Reason.IO, "cannot release " + lockFile + ": " +
                e.getMessage(), e);
        }
        finally
        {
            HELD_IN_THIS_PROCESS.remove(cacheFile);
        }
    }

    private static Path canonical(final Path cacheFile) throws IOException
    {
        final Path absolute = cacheFile.toAbsolutePath().normalize();
        if (Files.exists(absolute))
        {
            return absolute.toRealPath();
        }
        final Path parent = absolute.getParent();
        Files.createDirectories(parent);
        return parent.toRealPath().resolve(absolute.getFileName());
    }

    private static String owner(final FileChannel channel)
    {
        try
        {
            final ByteBuffer buffer = ByteBuffer.allocate(64);
            channel.read(buffer, 0);
            final String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII).trim();
            return text.isEmpty() ? "owner unknown" : text;
        }
        catch (final IOException e)
        {
            return "owner unknown";
        }
    }
}
