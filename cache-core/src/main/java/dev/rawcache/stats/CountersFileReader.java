package dev.rawcache.stats;

import dev.rawcache.io.CacheIoException;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumMap;
import java.util.Map;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersReader;

import static dev.rawcache.stats.CountersFileDescriptor.*;

/**
 * The reading side of a cache's statistics: maps a counters file read-only, from any process, and reads the counters
 * while the cache that owns them runs (the way AeronStat reads Aeron's counters).
 * <p>
 * Thread-safe for reads. {@link #close()} drops the mapping, which the garbage collector then unmaps.
 */
public final class CountersFileReader implements AutoCloseable
{
    private final Path path;
    private final Object fileKey;
    private final UnsafeBuffer header;
    private final CountersReader reader;
    private final int[] counterIds = new int[CacheCounter.values().length];

    private CountersFileReader(final Path path, final Object fileKey, final UnsafeBuffer header,
                               final CountersReader reader)
    {
        this.path = path;
        this.fileKey = fileKey;
        this.header = header;
        this.reader = reader;
        java.util.Arrays.fill(counterIds, -1);
        reader.forEach((counterId, typeId, keyBuffer, label) ->
        {
            final CacheCounter counter = CacheCounter.ofTypeId(typeId);
            if (counter != null)
            {
                counterIds[counter.ordinal()] = counterId;
            }
        });
    }

    /**
     * Maps a counters file.
     *
     * @param path the counters file ({@code <cache file>.counters}).
     * @return the reader.
     * @throws CacheIoException {@code FORMAT} when the file is not a counters file, {@code IO} when unreadable.
     */
    public static CountersFileReader open(final Path path)
    {
        AgronaAccess.require();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ))
        {
            final long size = channel.size();
            if (size < FILE_LENGTH)
            {
                throw new CacheIoException(CacheIoException.Reason.FORMAT, String.format(
                    "%s is %d bytes, shorter than a counters file (%d bytes)", path, size, FILE_LENGTH));
            }
            final MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, FILE_LENGTH);
            mapped.order(ByteOrder.LITTLE_ENDIAN);
            final UnsafeBuffer all = new UnsafeBuffer(mapped);
            final long magic = all.getLongAcquire(MAGIC_OFFSET);
            if (magic != MAGIC || all.getInt(VERSION_OFFSET) != VERSION)
            {
                throw new CacheIoException(CacheIoException.Reason.FORMAT, String.format(
                    "%s is not a rawcache counters file of version %d (magic 0x%016x, version %d)", path, VERSION,
                    magic, all.getInt(VERSION_OFFSET)));
            }
            final int metadataLength = all.getInt(METADATA_LENGTH_OFFSET);
            final int valuesLength = all.getInt(VALUES_LENGTH_OFFSET);
            final Object fileKey = Files.readAttributes(path,
                java.nio.file.attribute.BasicFileAttributes.class).fileKey();
            return new CountersFileReader(path, fileKey, new UnsafeBuffer(all, 0, HEADER_LENGTH),
                new CountersReader(new UnsafeBuffer(all, HEADER_LENGTH, metadataLength),
                    new UnsafeBuffer(all, HEADER_LENGTH + metadataLength, valuesLength)));
        }
        catch (final IOException e)
        {
            throw new CacheIoException(CacheIoException.Reason.IO,
                "cannot read counters file " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * The value of a counter.
     *
     * @param counter which counter.
     * @return its value, or 0 when the file has no such counter.
     */
    public long get(final CacheCounter counter)
    {
        final int id = counterIds[counter.ordinal()];
        return id < 0 ? 0 : reader.getCounterValue(id);
    }

    /**
     * Every counter in the file by label, in registration order, rawcache's and any others.
     *
     * @return label to value.
     */
    public Map<String, Long> snapshot()
    {
        final Map<String, Long> values = new java.util.LinkedHashMap<>();
        reader.forEach((value, counterId, label) -> values.put(label, value));
        return values;
    }

    /**
     * Every rawcache counter.
     *
     * @return counter to value.
     */
    public EnumMap<CacheCounter, Long> counters()
    {
        final EnumMap<CacheCounter, Long> values = new EnumMap<>(CacheCounter.class);
        for (final CacheCounter counter : CacheCounter.values())
        {
            values.put(counter, get(counter));
        }
        return values;
    }

    /**
     * The process id of the cache that wrote the file.
     *
     * @return the owner's pid.
     */
    public long ownerPid()
    {
        return header.getLong(PID_OFFSET);
    }

    /**
     * When the owner opened the cache.
     *
     * @return epoch milliseconds.
     */
    public long ownerStartTimeMillis()
    {
        return header.getLong(START_TIME_OFFSET);
    }

    /**
     * The creation id of the cache file these counters describe.
     *
     * @return the creation id from the cache file's superblock.
     */
    public long cacheCreationId()
    {
        return header.getLong(CREATION_ID_OFFSET);
    }

    /**
     * Whether the owner closed the cache.
     *
     * @return true after a clean close.
     */
    public boolean isClosed()
    {
        return header.getIntAcquire(CLOSED_OFFSET) != 0;
    }

    /**
     * Whether the owning process is still alive and has not closed the cache.
     *
     * @return true while the cache runs.
     */
    public boolean isOwnerRunning()
    {
        return !isClosed() && ProcessHandle.of(ownerPid()).map(ProcessHandle::isAlive).orElse(false);
    }

    /**
     * Whether the file at the path is no longer the one mapped (the cache was reopened and made a new file).
     * Comparing file keys (device and inode) is sound because this reader's mapping keeps the old inode alive, so the
     * new file cannot be given the same one.
     *
     * @return true when a new counters file replaced this one.
     */
    public boolean isStale()
    {
        try
        {
            final Object current = Files.readAttributes(path,
                java.nio.file.attribute.BasicFileAttributes.class).fileKey();
            return current != null && !current.equals(fileKey);
        }
        catch (final IOException e)
        {
            return true;
        }
    }

    /**
     * The counters file.
     *
     * @return its path.
     */
    public Path path()
    {
        return path;
    }

    /**
     * Drops this reader; the mapping is unmapped by the garbage collector.
     */
    @Override
    public void close()
    {
        // Nothing to release eagerly: see the class comment.
    }
}
