package dev.rawcache.stats;

import dev.rawcache.io.CacheIoException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumMap;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

import static dev.rawcache.stats.CountersFileDescriptor.*;

/**
 * The writing side of a cache's statistics: Agrona counters in a mapped counters file laid out as
 * {@link CountersFileDescriptor} says, so another process can read them while the cache runs (see
 * {@link CountersFileReader}).
 * <p>
 * Each open makes a new file (the old one is deleted first, so a reader still mapping it keeps its own copy and
 * never sees the file shrink under it). The mapping is a {@link MappedByteBuffer} left to the garbage collector to
 * unmap rather than unmapped on {@link #close()}: counter updates from threads still finishing an operation may race
 * with close, and a write to an unmapped page would crash the JVM, while a write to a 24 KiB mapping that is no
 * longer read costs nothing.
 * <p>
 * Thread-safe: each counter is updated atomically.
 */
public final class CacheCounters implements AutoCloseable
{
    private final Path path;
    private final UnsafeBuffer header;
    private final EnumMap<CacheCounter, AtomicCounter> counters = new EnumMap<>(CacheCounter.class);
    private volatile boolean closed;

    private CacheCounters(final Path path, final UnsafeBuffer header, final CountersManager manager)
    {
        this.path = path;
        this.header = header;
        for (final CacheCounter counter : CacheCounter.values())
        {
            counters.put(counter, manager.newCounter("rawcache " + counter.label(), counter.typeId()));
        }
    }

    /**
     * Creates the counters file and registers every {@link CacheCounter}, all at zero.
     *
     * @param path       the counters file to create (an existing one is replaced).
     * @param creationId the cache file's creation id, so a reader can tell which file it describes.
     * @return the counters.
     * @throws CacheIoException with reason {@code IO} when the file cannot be made.
     */
    public static CacheCounters create(final Path path, final long creationId)
    {
        AgronaAccess.require();
        try
        {
            Files.deleteIfExists(path);
            final MappedByteBuffer mapped;
            try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE))
            {
                final ByteBuffer zeros = ByteBuffer.allocate(FILE_LENGTH);
                while (zeros.hasRemaining())
                {
                    channel.write(zeros, zeros.position());
                }
                mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, FILE_LENGTH);
            }
            mapped.order(ByteOrder.LITTLE_ENDIAN);
            final UnsafeBuffer all = new UnsafeBuffer(mapped);
            final UnsafeBuffer header = new UnsafeBuffer(all, 0, HEADER_LENGTH);
            header.putInt(VERSION_OFFSET, VERSION);
            header.putInt(METADATA_LENGTH_OFFSET, METADATA_LENGTH);
            header.putInt(VALUES_LENGTH_OFFSET, VALUES_LENGTH);
            header.putLong(PID_OFFSET, ProcessHandle.current().pid());
            header.putLong(START_TIME_OFFSET, System.currentTimeMillis());
            header.putLong(CREATION_ID_OFFSET, creationId);
            header.putInt(CLOSED_OFFSET, 0);
            final CountersManager manager = new CountersManager(
                new UnsafeBuffer(all, HEADER_LENGTH, METADATA_LENGTH),
                new UnsafeBuffer(all, HEADER_LENGTH + METADATA_LENGTH, VALUES_LENGTH));
            final CacheCounters counters = new CacheCounters(path, header, manager);
            header.putLongRelease(MAGIC_OFFSET, MAGIC);
            return counters;
        }
        catch (final IOException e)
        {
            throw new CacheIoException(CacheIoException.Reason.IO,
                "cannot create counters file " + path + ": " + e.getMessage(), e);
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
     * The Agrona counter behind a {@link CacheCounter}, for hot paths that keep it in a field.
     *
     * @param counter which counter.
     * @return the atomic counter.
     */
    public AtomicCounter counter(final CacheCounter counter)
    {
        return counters.get(counter);
    }

    /**
     * The current value of a counter.
     *
     * @param counter which counter.
     * @return its value, read with acquire semantics.
     */
    public long get(final CacheCounter counter)
    {
        return counters.get(counter).getAcquire();
    }

    /**
     * Marks the file closed for readers. The counters keep their last values. Idempotent.
     */
    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            header.putIntRelease(CLOSED_OFFSET, 1);
        }
    }
}
