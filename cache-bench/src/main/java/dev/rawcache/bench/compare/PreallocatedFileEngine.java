package dev.rawcache.bench.compare;

import dev.rawcache.io.file.Preallocator;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The naive baseline: one preallocated file, a {@link ConcurrentHashMap} from key to (offset, length), values
 * appended at 4 KiB-aligned offsets with one {@code pwrite} and read back with one {@code pread} into a reused direct
 * buffer. No header, no checksum, no eviction, no persistence of the index, no pinning: an overwrite of a value of the
 * same length goes to the same place while readers may be reading it. It is the floor under any real store's
 * overhead, and the target "4 KiB stores at least as fast as the naive preallocated-file store" refers to it.
 * <p>
 * The <em>mapped</em> variant stores the same way but looks values up by copying them out of a read-only mapping of
 * the whole file ({@code MemorySegment.copy} into the reused direct buffer): a hash lookup of the key plus the
 * mapped copy, nothing else. It is what rawcache's mmap path would cost with no header check, pin, LRU, expiry or
 * counters, so it shows how much of the "mmap copy" limit any store that must find a key first can reach here.
 * <p>
 * Thread-safe as {@link Engine} requires (but see the overwrite caveat above).
 */
final class PreallocatedFileEngine implements Engine
{
    private static final int ALIGNMENT = 4096;

    private final ConcurrentHashMap<String, Slot> index = new ConcurrentHashMap<>();
    private final AtomicLong cursor = new AtomicLong();
    private final boolean mapped;
    private FileChannel channel;
    private Arena arena;
    private MemorySegment mapping;
    private long capacity;
    private int valueSize;

    private record Slot(long offset, int length)
    {
    }

    /**
     * Creates the engine, not yet open.
     *
     * @param mapped whether lookups copy out of a mapping of the file instead of reading it with {@code pread}.
     */
    PreallocatedFileEngine(final boolean mapped)
    {
        this.mapped = mapped;
    }

    @Override
    public String name()
    {
        return mapped ? "preallocated file, mmap" : "preallocated file";
    }

    @Override
    public String settings()
    {
        return "one file of " + Units.bytes(capacity) + " preallocated with posix_fallocate, ConcurrentHashMap " +
            "index, 4 KiB-aligned appends by pwrite, " + (mapped ? "copy out of a read-only mapping" : "pread") +
            " into a reused direct buffer; no header, checksum or eviction";
    }

    /** Only the pread variant sends: both would send the same way. */
    @Override
    public boolean sends()
    {
        return !mapped;
    }

    @Override
    public void open(final Path directory, final DataSet data) throws IOException
    {
        valueSize = data.valueSize();
        final long slot = (valueSize + ALIGNMENT - 1L) / ALIGNMENT * ALIGNMENT;
        capacity = slot * data.count() + slot * 64;
        final Path file = directory.resolve("preallocated.data");
        channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
            StandardOpenOption.WRITE);
        Preallocator.preallocate(file, channel, 0, capacity);
        if (mapped)
        {
            arena = Arena.ofShared();
            mapping = channel.map(FileChannel.MapMode.READ_ONLY, 0, capacity, arena);
        }
    }

    @Override
    public Session session()
    {
        final ByteBuffer buffer = ByteBuffer.allocateDirect(valueSize);
        return new Session()
        {
            @Override
            public void store(final String key, final ByteBuffer value) throws IOException
            {
                final int length = value.remaining();
                final Slot old = index.get(key);
                final long offset;
                if (old != null && old.length() == length)
                {
                    offset = old.offset();
                }
                else
                {
                    final long aligned = (length + ALIGNMENT - 1L) / ALIGNMENT * ALIGNMENT;
                    offset = cursor.getAndAdd(aligned);
                    if (offset + aligned > capacity)
                    {
                        throw new IOException("preallocated file full at " + offset);
                    }
                }
                long position = offset;
                while (value.hasRemaining())
                {
                    position += channel.write(value, position);
                }
                index.put(key, new Slot(offset, length));
            }

            @Override
            public ByteBuffer lookup(final String key) throws IOException
            {
                final Slot slot = index.get(key);
                if (slot == null)
                {
                    return null;
                }
                if (mapped)
                {
                    MemorySegment.copy(mapping, slot.offset(), MemorySegment.ofBuffer(buffer.clear()), 0,
                        slot.length());
                    return buffer.limit(slot.length());
                }
                buffer.clear().limit(slot.length());
                while (buffer.hasRemaining())
                {
                    if (channel.read(buffer, slot.offset() + buffer.position()) < 0)
                    {
                        throw new EOFException("preallocated file ends inside the value of " + key);
                    }
                }
                return buffer.flip();
            }

            @Override
            public long send(final String key, final java.nio.channels.WritableByteChannel target)
                throws IOException
            {
                final Slot slot = index.get(key);
                if (slot == null)
                {
                    return -1;
                }
                long sent = 0;
                while (sent < slot.length())
                {
                    sent += channel.transferTo(slot.offset() + sent, slot.length() - sent, target);
                }
                return sent;
            }
        };
    }

    @Override
    public void close() throws IOException
    {
        if (arena != null)
        {
            arena.close();
            arena = null;
        }
        if (channel != null)
        {
            channel.close();
        }
    }
}
