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
    /** From this value size {@code lookupInto} reads the value straight into the caller's buffer. */
    private static final int DIRECT_READ_FROM = 32 * 1024;

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
    private final boolean verifyEveryRead;
    private final Failures failures;
    private final ThreadLocal<ByteBuffer> scratch = new ThreadLocal<>();

    EntryBytes(final CacheFile file, final long creationId, final boolean verifyEveryRead, final Failures failures)
    {
        this.verifyEveryRead = verifyEveryRead;
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
                return headerMatchesMapped(entry, true) && verifyMapped(entry);
            }
            return positionalHeaderMatches(entry, false) && verifyPositional(entry);
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
            return headerMatchesMapped(entry) && (trusted(entry) || verifyMapped(entry));
        }
        final boolean trusted = trusted(entry);
        return positionalHeaderMatches(entry, trusted) && (trusted || verifyPositional(entry));
    }

    void writeEntry(final ExtentList extents, final ByteBuffer header, final ByteBuffer value)
        throws IOException
    {
        if (!header.hasRemaining() && value.isDirect())
        {
            // No header (a value of whole blocks, see RawDiskCache.store) from a direct buffer, as a proxy holds a
            // body read from the network: one pwrite from the caller's buffer, with no copy into the scratch buffer.
            file.write(extents, 0, value);
            return;
        }
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

    /** Reads the value into a heap buffer through the scratch buffer: the JDK would copy a heap buffer through a
     * temporary direct buffer of its full size, kept per thread. */
    private void readValueInChunks(final Entry entry, final ByteBuffer target) throws IOException
    {
        final ByteBuffer buffer = scratch(SCRATCH_LIMIT);
        long at = 0;
        while (target.hasRemaining())
        {
            final int n = Math.min(SCRATCH_LIMIT, target.remaining());
            buffer.clear().limit(n);
            file.read(entry.extents(), entry.headerLength() + at, buffer);
            target.put(buffer.flip());
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
            if (total <= SCRATCH_LIMIT)
            {
                final ByteBuffer valueBytes = readSmallPositional(entry);
                if (valueBytes == null)
                {
                    return null;
                }
                final byte[] value = new byte[(int)valueLength];
                valueBytes.get(value);
                return ByteBuffer.wrap(value);
            }
            final byte[] value = new byte[(int)valueLength];
            return readPositional(entry, ByteBuffer.wrap(value)) ? ByteBuffer.wrap(value) : null;
        }
        catch (final IOException e)
        {
            throw failures.io("read of key " + entry.key(), e);
        }
    }

    /**
     * Reads a pinned entry's value into {@code destination} at its position by positional reads, checking header
     * and CRC32C; the position advances only on success.
     *
     * @return false when the entry is corrupt (bytes after the position may then have been overwritten).
     */
    boolean readPositional(final Entry entry, final ByteBuffer destination)
    {
        try
        {
            final int headerLength = entry.headerLength();
            if (headerLength == 0 && destination.isDirect())
            {
                // Stored without a header (a value of whole blocks, see RawDiskCache.store): there is nothing to
                // read beside the value, so one pread goes straight into the caller's buffer, with no copy out of
                // the scratch buffer (a 4 KiB lookup's second copy).
                final int length = (int)entry.valueLength();
                final ByteBuffer target = destination.slice(destination.position(), length);
                file.read(entry.extents(), 0, target);
                if (!trusted(entry) && crc(target.flip()) != entry.valueCrc())
                {
                    return false;
                }
                entry.markVerified();
                destination.position(destination.position() + length);
                return true;
            }
            if (entry.valueLength() < DIRECT_READ_FROM && headerLength + entry.valueLength() <= SCRATCH_LIMIT)
            {
                final ByteBuffer valueBytes = readSmallPositional(entry);
                if (valueBytes == null)
                {
                    return false;
                }
                destination.put(valueBytes);
                return true;
            }
            // Large: the header on its own, then the value straight into a direct destination (a second pread costs
            // less than copying the value once more), or through the scratch buffer in chunks into a heap one.
            final ByteBuffer header = ByteBuffer.allocate(headerLength);
            file.read(entry.extents(), 0, header);
            final ByteBuffer target = destination.slice(destination.position(), (int)entry.valueLength());
            if (target.isDirect())
            {
                file.read(entry.extents(), headerLength, target);
            }
            else
            {
                readValueInChunks(entry, target);
            }
            final boolean trusted = trusted(entry);
            if (!headerMatches(header.flip(), entry, trusted) || !trusted && crc(target.flip()) != entry.valueCrc())
            {
                return false;
            }
            entry.markVerified();
            destination.position(destination.position() + (int)entry.valueLength());
            return true;
        }
        catch (final IOException e)
        {
            throw failures.io("read of key " + entry.key(), e);
        }
    }

    /**
     * Whether an entry's bytes may skip the full checks: it was verified since the file was opened (or written by
     * this process) and {@link CacheConfig#verifyEveryRead()} is off.
     */
    boolean trusted(final Entry entry)
    {
        return !verifyEveryRead && entry.isVerified();
    }

    /** Reads the header by a positional read and checks it: quick when {@code trusted}, else in full. */
    private boolean positionalHeaderMatches(final Entry entry, final boolean trusted) throws IOException
    {
        if (entry.headerLength() == 0)
        {
            return true;
        }
        final ByteBuffer header = ByteBuffer.allocate(entry.headerLength());
        file.read(entry.extents(), 0, header);
        return headerMatches(header.flip(), entry, trusted);
    }

    /**
     * The header at the buffer's position: the quick check for a trusted entry, else the full one. An entry stored
     * without a header (see {@code RawDiskCache.store}) has nothing to check here; its CRC32C is its check.
     */
    private boolean headerMatches(final ByteBuffer header, final Entry entry, final boolean trusted)
    {
        if (entry.headerLength() == 0)
        {
            return true;
        }
        return trusted ?
            EntryHeader.quickMatch(header, 0, entry.sequence(), entry.headerLength(), entry.valueLength()) :
            EntryHeader.matches(header.slice(header.position(), entry.headerLength()), entry.keyBytes(),
                entry.sequence(), entry.headerLength(), entry.valueLength(), creationId);
    }

    /**
     * Header and value of a small entry by one positional read into the scratch buffer, header and CRC32C checked.
     *
     * @return the value's bytes in the scratch buffer, or null when the entry is corrupt.
     */
    private ByteBuffer readSmallPositional(final Entry entry) throws IOException
    {
        final int headerLength = entry.headerLength();
        final int total = headerLength + (int)entry.valueLength();
        final ByteBuffer buffer = scratch(total);
        file.read(entry.extents(), 0, buffer);
        buffer.flip();
        final ByteBuffer valueBytes = buffer.slice(headerLength, total - headerLength);
        final boolean trusted = trusted(entry);
        if (!headerMatches(buffer, entry, trusted) || !trusted && crc(valueBytes) != entry.valueCrc())
        {
            return null;
        }
        entry.markVerified();
        return valueBytes;
    }

    ByteBuffer copyFromMapping(final Entry entry)
    {
        final long valueLength = entry.valueLength();
        Checks.requireState(valueLength <= Integer.MAX_VALUE - 16,
            "value of key %s is %d bytes, too large for one heap buffer; use lookupZeroCopy or transferTo",
            entry.key(), valueLength);
        final byte[] value = new byte[(int)valueLength];
        return copyFromMapping(entry, MemorySegment.ofArray(value)) ? ByteBuffer.wrap(value) : null;
    }

    /**
     * Copies a pinned entry's value out of the mapping into {@code destination} at its position, header checked
     * (and CRC32C on the entry's first read); the position advances only on success.
     *
     * @return false when the entry is corrupt (bytes after the position may then have been overwritten).
     */
    boolean copyFromMapping(final Entry entry, final ByteBuffer destination)
    {
        final int length = (int)entry.valueLength();
        if (!copyFromMapping(entry, MemorySegment.ofBuffer(destination).asSlice(0, length)))
        {
            return false;
        }
        destination.position(destination.position() + length);
        return true;
    }

    /** The mapped copy into a segment of exactly the value's length. */
    private boolean copyFromMapping(final Entry entry, final MemorySegment target)
    {
        if (!headerMatchesMapped(entry))
        {
            return false;
        }
        final MemorySegment whole = mapping.segment();
        final long firstExtent = entry.firstExtent();
        final long valueLength = entry.valueLength();
        try
        {
            if (entry.headerLength() + valueLength <= ExtentList.count(firstExtent) * file.blockSize())
            {
                MemorySegment.copy(whole, ExtentList.firstBlock(firstExtent) * file.blockSize() + entry.headerLength(),
                    target, 0, valueLength);
            }
            else
            {
                final long[][] pieces = file.pieces(entry.extents(), entry.headerLength(), valueLength);
                long at = 0;
                for (int i = 0; i < pieces[0].length; i++)
                {
                    MemorySegment.copy(whole, pieces[0][i], target, at, pieces[1][i]);
                    at += pieces[1][i];
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
        if (!trusted(entry))
        {
            if (crc(target.asByteBuffer()) != entry.valueCrc())
            {
                return false;
            }
            entry.markVerified();
        }
        return true;
    }

    /**
     * Whether the header in the mapping is this entry's: for an entry already verified since the file was opened,
     * its magic, lengths and sequence, read in place; otherwise every field, the key and the header's CRC.
     */
    boolean headerMatchesMapped(final Entry entry)
    {
        return headerMatchesMapped(entry, !trusted(entry));
    }

    /** The header check in the mapping: every field when {@code full}, else the quick one (magic, lengths, sequence). */
    private boolean headerMatchesMapped(final Entry entry, final boolean full)
    {
        final int headerLength = entry.headerLength();
        if (headerLength == 0)
        {
            return true;
        }
        final long firstExtent = entry.firstExtent();
        try
        {
            if (!full && headerLength <= ExtentList.count(firstExtent) * file.blockSize())
            {
                return EntryHeader.quickMatch(mapping.segment(), ExtentList.firstBlock(firstExtent) * file.blockSize(),
                    entry.sequence(), headerLength, entry.valueLength());
            }
            final long[][] pieces = file.pieces(entry.extents(), 0, headerLength);
            final byte[] header = new byte[headerLength];
            int at = 0;
            for (int i = 0; i < pieces[0].length; i++)
            {
                MemorySegment.copy(mapping.segment(), ValueLayout.JAVA_BYTE, pieces[0][i], header, at,
                    (int)pieces[1][i]);
                at += (int)pieces[1][i];
            }
            return EntryHeader.matches(ByteBuffer.wrap(header), entry.keyBytes(), entry.sequence(), headerLength,
                entry.valueLength(), creationId);
        }
        catch (final InternalError e)
        {
            throw failures.fault(e, entry);
        }
        catch (final IllegalStateException e)
        {
            throw failures.closed();
        }
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
