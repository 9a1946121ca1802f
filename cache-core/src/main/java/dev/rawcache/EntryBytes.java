package dev.rawcache;

import dev.rawcache.format.EntryHeader;
import dev.rawcache.index.Entry;
import dev.rawcache.io.CacheIoException;
import dev.rawcache.io.Checks;
import dev.rawcache.io.block.ExtentList;
import dev.rawcache.io.file.CacheFile;
import dev.rawcache.io.mmap.MappedRegion;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Reads, writes and checks the bytes of entries in the cache file: header and value by positional I/O through a
 * per-thread scratch buffer, copies and checksums through the mapping, and the header and CRC32C checks that keep
 * foreign, stale or damaged bytes from ever being served. It knows nothing of the index or of eviction: it works on
 * entries the caller has pinned.
 * <p>
 * Thread-safe: every method works on the calling thread's scratch buffer and on pinned entries.
 */
final class EntryBytes
{
    /** Entries up to this size (header and value) are written and read through one scratch buffer. */
    static final int SCRATCH_LIMIT = 256 * 1024;
    private static final int VERIFY_CHUNK = 1 << 20;

    /**
     * How failures become the cache's exceptions (and mark it failed where they must).
     */
    interface Failures
    {
        CacheIoException fault(InternalError error, Entry entry);

        IllegalStateException closed();

        RuntimeException io(String what, IOException e);
    }

    private final CacheFile file;
    private final MappedRegion mapping;
    private final long creationId;
    private final Failures failures;
    private final ThreadLocal<ByteBuffer> scratch = new ThreadLocal<>();

    EntryBytes(final CacheFile file, final long creationId, final Failures failures)
    {
        this.file = file;
        this.mapping = file.mapping();
        this.creationId = creationId;
        this.failures = failures;
    }

    /**
     * Checks one pinned entry's header and whole value, whatever its verified flag says.
     *
     * @return false when it is corrupt.
     */
    boolean scrub(final Entry entry)
    {
        try
        {
            if (mapping != null)
            {
                return headerMatchesMapped(entry) && verifyMapped(entry);
            }
            final ByteBuffer header = ByteBuffer.allocate(entry.headerLength());
            file.read(entry.extents(), 0, header);
            return EntryHeader.matches(header.flip(), entry.keyBytes(), entry.sequence(), entry.headerLength(),
                entry.valueLength(), creationId) && verifyPositional(entry);
        }
        catch (final IOException e)
        {
            throw failures.io("verify of key " + entry.key(), e);
        }
    }

    boolean checkForTransfer(final Entry entry) throws IOException
    {
        if (mapping != null)
        {
            return headerMatchesMapped(entry) && (entry.isVerified() || verifyMapped(entry));
        }
        final ByteBuffer header = ByteBuffer.allocate(entry.headerLength());
        file.read(entry.extents(), 0, header);
        if (!EntryHeader.matches(header.flip(), entry.keyBytes(), entry.sequence(), entry.headerLength(),
            entry.valueLength(), creationId))
        {
            return false;
        }
        return entry.isVerified() || verifyPositional(entry);
    }

    void writeEntry(final ExtentList extents, final ByteBuffer header, final ByteBuffer value)
        throws IOException
    {
        final long total = (long)header.remaining() + value.remaining();
        if (total <= SCRATCH_LIMIT)
        {
            final ByteBuffer buffer = scratch((int)total);
            buffer.put(header).put(value).flip();
            file.write(extents, 0, buffer);
            return;
        }
        long offset = header.remaining();
        file.write(extents, 0, header);
        if (value.isDirect())
        {
            file.write(extents, offset, value);
            return;
        }
        // A heap buffer handed to the channel makes the JDK copy it through a temporary direct buffer of its full
        // size, cached per thread: go through the bounded scratch buffer instead.
        final ByteBuffer buffer = scratch(SCRATCH_LIMIT);
        while (value.hasRemaining())
        {
            final int n = Math.min(SCRATCH_LIMIT, value.remaining());
            buffer.clear().put(value.slice(value.position(), n)).flip();
            value.position(value.position() + n);
            file.write(extents, offset, buffer);
            offset += n;
        }
    }

    private void readValueInChunks(final Entry entry, final byte[] value) throws IOException
    {
        final ByteBuffer buffer = scratch(SCRATCH_LIMIT);
        int at = 0;
        while (at < value.length)
        {
            final int n = Math.min(SCRATCH_LIMIT, value.length - at);
            buffer.clear().limit(n);
            file.read(entry.extents(), entry.headerLength() + (long)at, buffer);
            buffer.flip().get(value, at, n);
            at += n;
        }
    }

    ByteBuffer readPositional(final Entry entry)
    {
        final int headerLength = entry.headerLength();
        final long valueLength = entry.valueLength();
        Checks.requireState(valueLength <= Integer.MAX_VALUE - 16,
            "value of key %s is %d bytes, too large for one heap buffer; use lookupZeroCopy or transferTo",
            entry.key(), valueLength);
        final long total = headerLength + valueLength;
        try
        {
            final byte[] value = new byte[(int)valueLength];
            final ByteBuffer header;
            if (total <= SCRATCH_LIMIT)
            {
                final ByteBuffer buffer = scratch((int)total);
                buffer.limit((int)total);
                file.read(entry.extents(), 0, buffer);
                buffer.flip();
                header = buffer.slice(0, headerLength);
                final ByteBuffer valueBytes = buffer.slice(headerLength, (int)valueLength);
                if (!EntryHeader.matches(header, entry.keyBytes(), entry.sequence(), headerLength, valueLength, creationId) ||
                    crc(valueBytes) != entry.valueCrc())
                {
                    return null;
                }
                valueBytes.get(value);
            }
            else
            {
                header = ByteBuffer.allocate(headerLength);
                file.read(entry.extents(), 0, header);
                readValueInChunks(entry, value);
                if (!EntryHeader.matches(header.flip(), entry.keyBytes(), entry.sequence(), headerLength, valueLength,
                    creationId) ||
                    crc(ByteBuffer.wrap(value)) != entry.valueCrc())
                {
                    return null;
                }
            }
            entry.markVerified();
            return ByteBuffer.wrap(value);
        }
        catch (final IOException e)
        {
            throw failures.io("read of key " + entry.key(), e);
        }
    }

    ByteBuffer copyFromMapping(final Entry entry)
    {
        final long valueLength = entry.valueLength();
        Checks.requireState(valueLength <= Integer.MAX_VALUE - 16,
            "value of key %s is %d bytes, too large for one heap buffer; use lookupZeroCopy or transferTo",
            entry.key(), valueLength);
        if (!headerMatchesMapped(entry))
        {
            return null;
        }
        final byte[] value = new byte[(int)valueLength];
        final long[][] pieces = file.pieces(entry.extents(), entry.headerLength(), valueLength);
        final MemorySegment whole = mapping.segment();
        try
        {
            int at = 0;
            for (int i = 0; i < pieces[0].length; i++)
            {
                MemorySegment.copy(whole, ValueLayout.JAVA_BYTE, pieces[0][i], value, at, (int)pieces[1][i]);
                at += (int)pieces[1][i];
            }
        }
        catch (final InternalError e)
        {
            throw failures.fault(e, entry);
        }
        catch (final IllegalStateException e)
        {
            throw failures.closed();
        }
        if (!entry.isVerified())
        {
            if (crc(ByteBuffer.wrap(value)) != entry.valueCrc())
            {
                return null;
            }
            entry.markVerified();
        }
        return ByteBuffer.wrap(value);
    }

    boolean headerMatchesMapped(final Entry entry)
    {
        final int headerLength = entry.headerLength();
        final long[][] pieces = file.pieces(entry.extents(), 0, headerLength);
        final byte[] header = new byte[headerLength];
        try
        {
            int at = 0;
            for (int i = 0; i < pieces[0].length; i++)
            {
                MemorySegment.copy(mapping.segment(), ValueLayout.JAVA_BYTE, pieces[0][i], header, at,
                    (int)pieces[1][i]);
                at += (int)pieces[1][i];
            }
        }
        catch (final InternalError e)
        {
            throw failures.fault(e, entry);
        }
        catch (final IllegalStateException e)
        {
            throw failures.closed();
        }
        return EntryHeader.matches(ByteBuffer.wrap(header), entry.keyBytes(), entry.sequence(), headerLength,
            entry.valueLength(), creationId);
    }

    boolean verifyMapped(final Entry entry)
    {
        final long[][] pieces = file.pieces(entry.extents(), entry.headerLength(), entry.valueLength());
        final CRC32C crc = new CRC32C();
        try
        {
            for (int i = 0; i < pieces[0].length; i++)
            {
                long offset = 0;
                while (offset < pieces[1][i])
                {
                    final long n = Math.min(Integer.MAX_VALUE, pieces[1][i] - offset);
                    crc.update(mapping.segment().asSlice(pieces[0][i] + offset, n).asByteBuffer());
                    offset += n;
                }
            }
        }
        catch (final InternalError e)
        {
            throw failures.fault(e, entry);
        }
        catch (final IllegalStateException e)
        {
            throw failures.closed();
        }
        if ((int)crc.getValue() != entry.valueCrc())
        {
            return false;
        }
        entry.markVerified();
        return true;
    }

    private boolean verifyPositional(final Entry entry) throws IOException
    {
        final CRC32C crc = new CRC32C();
        final ByteBuffer chunk = ByteBuffer.allocateDirect((int)Math.min(VERIFY_CHUNK, Math.max(1,
            entry.valueLength())));
        long offset = 0;
        while (offset < entry.valueLength())
        {
            chunk.clear().limit((int)Math.min(chunk.capacity(), entry.valueLength() - offset));
            file.read(entry.extents(), entry.headerLength() + offset, chunk);
            crc.update(chunk.flip());
            offset += chunk.limit();
        }
        if ((int)crc.getValue() != entry.valueCrc())
        {
            return false;
        }
        entry.markVerified();
        return true;
    }

    private ByteBuffer scratch(final int length)
    {
        ByteBuffer buffer = scratch.get();
        if (buffer == null || buffer.capacity() < length)
        {
            buffer = ByteBuffer.allocateDirect(Math.max(length, Math.min(SCRATCH_LIMIT,
                Math.max(64 * 1024, Integer.highestOneBit(Math.max(1, length - 1)) << 1))));
            scratch.set(buffer);
        }
        return buffer.clear().limit(length);
    }

    static int crc(final ByteBuffer bytes)
    {
        final CRC32C crc = new CRC32C();
        crc.update(bytes.duplicate());
        return (int)crc.getValue();
    }

}
