package dev.rawcache.tools;

import dev.rawcache.io.CacheIoException;
import dev.rawcache.io.file.CacheFile;
import dev.rawcache.io.file.Superblock;
import dev.rawcache.stats.CountersFileDescriptor;
import dev.rawcache.stats.CountersFileReader;

import java.io.Serial;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * Takes {@link CacheStatus} readings of a cache file from any process, the way AeronStat reads Aeron's CnC file: the
 * superblock with a plain read (no lock, nothing written) and the counters through a read-only mapping of the
 * counters file.
 * <p>
 * The counters file stays mapped between readings. A cache that opens the file again makes a new counters file;
 * {@link CountersFileReader#isStale()} notices and the next reading maps the new one.
 * <p>
 * Not thread-safe: one thread takes the readings.
 */
public final class CacheStatusReader implements AutoCloseable
{
    private final Path cacheFile;
    private final Path countersFile;
    private CountersFileReader counters;

    /**
     * A reader for a cache file; nothing is read until {@link #read()}.
     *
     * @param cacheFile the cache file.
     */
    public CacheStatusReader(final Path cacheFile)
    {
        this.cacheFile = cacheFile.toAbsolutePath();
        this.countersFile = CountersFileDescriptor.countersFileOf(cacheFile);
    }

    /**
     * The cache file.
     *
     * @return its absolute path.
     */
    public Path cacheFile()
    {
        return cacheFile;
    }

    /**
     * The counters file beside the cache file.
     *
     * @return its absolute path.
     */
    public Path countersFile()
    {
        return countersFile;
    }

    /**
     * Takes a reading: the superblock, then the counters (mapping the counters file anew if the cache was reopened).
     *
     * @return the reading.
     * @throws UnreadableException naming the file and why it cannot be read.
     */
    public CacheStatus read() throws UnreadableException
    {
        final Superblock superblock = readSuperblock();
        if (counters == null || counters.isStale())
        {
            counters = openCounters();
        }
        final CacheStatus.OwnerState state = counters.isClosed() ? CacheStatus.OwnerState.CLOSED :
            counters.isOwnerRunning() ? CacheStatus.OwnerState.RUNNING : CacheStatus.OwnerState.GONE;
        return new CacheStatus(cacheFile, superblock, countersFile, counters.ownerPid(),
            counters.ownerStartTimeMillis(), state, counters.cacheCreationId(), counters.snapshot(),
            counters.counters(), Instant.now());
    }

    /**
     * Drops the mapping of the counters file. Idempotent.
     */
    @Override
    public void close()
    {
        final CountersFileReader reader = counters;
        counters = null;
        if (reader != null)
        {
            reader.close();
        }
    }

    private Superblock readSuperblock() throws UnreadableException
    {
        if (!Files.exists(cacheFile))
        {
            throw new UnreadableException(cacheFile + ": no such file");
        }
        if (Files.isDirectory(cacheFile))
        {
            throw new UnreadableException(cacheFile + ": is a directory, not a cache file");
        }
        try
        {
            return CacheFile.readSuperblock(cacheFile);
        }
        catch (final CacheIoException e)
        {
            if (e.reason() == CacheIoException.Reason.FORMAT)
            {
                final boolean countersFile = cacheFile.getFileName().toString().endsWith(".counters");
                throw new UnreadableException(cacheFile + ": not a usable rawcache cache file: " +
                    reasonOf(e, cacheFile) + (countersFile ? " (this looks like a counters file: give the cache " +
                    "file beside it)" : ""), e);
            }
            throw new UnreadableException(cacheFile + ": cannot be read: " + reasonOf(e, cacheFile), e);
        }
    }

    private CountersFileReader openCounters() throws UnreadableException
    {
        if (!Files.exists(countersFile))
        {
            throw new UnreadableException(countersFile + ": no such file. A cache makes its counters file each " +
                "time it opens " + cacheFile.getFileName() + "; this one has been removed, or the cache file was " +
                "never opened by a cache.");
        }
        try
        {
            return CountersFileReader.open(countersFile);
        }
        catch (final CacheIoException e)
        {
            throw new UnreadableException(countersFile + ": " + (e.reason() == CacheIoException.Reason.FORMAT ?
                "not a usable rawcache counters file: " : "cannot be read: ") + reasonOf(e, countersFile), e);
        }
        catch (final IllegalStateException e)
        {
            throw new UnreadableException("cannot read the counters in " + countersFile + ": " + e.getMessage(), e);
        }
    }

    /**
     * The reason in a {@link CacheIoException}'s message, without the reason code and the file name the caller
     * prints anyway.
     */
    private static String reasonOf(final CacheIoException e, final Path file)
    {
        final String message = e.getMessage();
        final String name = file + ": ";
        final int at = message.indexOf(name);
        if (at >= 0)
        {
            return message.substring(at + name.length());
        }
        final String code = e.reason() + ": ";
        return message.startsWith(code) ? message.substring(code.length()) : message;
    }

    /**
     * A cache file or counters file that cannot be read; the message names the file and the reason.
     */
    public static final class UnreadableException extends Exception
    {
        @Serial
        private static final long serialVersionUID = 1L;

        /**
         * An exception with a message.
         *
         * @param message the file and the reason.
         */
        public UnreadableException(final String message)
        {
            super(message);
        }

        /**
         * An exception with a message and its cause.
         *
         * @param message the file and the reason.
         * @param cause   the underlying failure.
         */
        public UnreadableException(final String message, final Throwable cause)
        {
            super(message, cause);
        }
    }
}
