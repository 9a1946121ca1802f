package dev.rawcache.journal;

import dev.rawcache.format.EntryHeaderDescriptor;
import dev.rawcache.index.Entry;
import dev.rawcache.io.block.ExtentList;
import dev.rawcache.io.file.CacheFile;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The persistent description of one entry, as a journal {@code STORE} record's payload and as each record of a
 * checkpoint. Little-endian, 8-byte aligned.
 * <pre>
 *   0  sequence (64)          8  value length (64)      16 created at, epoch ms (64)
 *  24  expires at (64)       32  fresh until (64)       40 stale-while-revalidate until (64)
 *  48  stale-if-error until (64)                        56 value CRC32C (32)      60 header length (32)
 *  64  extent count (32)     68  key length (32)        72 extents: count x (first block (32), blocks (32))
 *  72 + 8n  key bytes (UTF-8), zero padded to 8
 * </pre>
 * Stateless and thread-safe.
 */
public final class EntryRecord
{
    /** Offset of the sequence. */
    public static final int SEQUENCE_OFFSET = 0;
    /** Offset of the value length. */
    public static final int VALUE_LENGTH_OFFSET = SEQUENCE_OFFSET + Long.BYTES;
    /** Offset of the creation time. */
    public static final int CREATED_AT_OFFSET = VALUE_LENGTH_OFFSET + Long.BYTES;
    /** Offset of the expiry time. */
    public static final int EXPIRES_AT_OFFSET = CREATED_AT_OFFSET + Long.BYTES;
    /** Offset of the end of freshness. */
    public static final int FRESH_UNTIL_OFFSET = EXPIRES_AT_OFFSET + Long.BYTES;
    /** Offset of the end of the stale-while-revalidate window. */
    public static final int SWR_UNTIL_OFFSET = FRESH_UNTIL_OFFSET + Long.BYTES;
    /** Offset of the end of the stale-if-error window. */
    public static final int SIE_UNTIL_OFFSET = SWR_UNTIL_OFFSET + Long.BYTES;
    /** Offset of the value's CRC32C. */
    public static final int VALUE_CRC_OFFSET = SIE_UNTIL_OFFSET + Long.BYTES;
    /** Offset of the on-disk header length. */
    public static final int HEADER_LENGTH_OFFSET = VALUE_CRC_OFFSET + Integer.BYTES;
    /** Offset of the extent count. */
    public static final int EXTENT_COUNT_OFFSET = HEADER_LENGTH_OFFSET + Integer.BYTES;
    /** Offset of the key length. */
    public static final int KEY_LENGTH_OFFSET = EXTENT_COUNT_OFFSET + Integer.BYTES;
    /** Offset of the first extent. */
    public static final int EXTENTS_OFFSET = KEY_LENGTH_OFFSET + Integer.BYTES;

    private EntryRecord()
    {
    }

    /**
     * The encoded length of an entry's record.
     *
     * @param entry the entry.
     * @return bytes, a multiple of 8.
     */
    public static int length(final Entry entry)
    {
        return align8(EXTENTS_OFFSET + entry.extentCount() * 8 + entry.keyByteLength());
    }

    /**
     * Encodes an entry at the buffer's position, advancing it, encoding its key anew.
     *
     * @param entry the entry.
     * @param dst   a little-endian buffer with at least {@link #length(Entry)} bytes remaining.
     */
    public static void encode(final Entry entry, final ByteBuffer dst)
    {
        encode(entry, entry.keyBytes(), dst);
    }

    /**
     * Encodes an entry at the buffer's position, advancing it, with its key already encoded (a store has the bytes
     * from checking the key: encoding them again cost a fifth of a 4 KiB store's allocations).
     *
     * @param entry the entry.
     * @param key   the entry's key in UTF-8, {@link Entry#keyBytes()}.
     * @param dst   a little-endian buffer with at least {@link #length(Entry)} bytes remaining.
     */
    public static void encode(final Entry entry, final byte[] key, final ByteBuffer dst)
    {
        final int start = dst.position();
        final int extentCount = entry.extentCount();
        dst.putLong(entry.sequence())
            .putLong(entry.valueLength())
            .putLong(entry.createdAtMillis())
            .putLong(entry.expiresAtMillis())
            .putLong(entry.freshUntilMillis())
            .putLong(entry.staleWhileRevalidateUntilMillis())
            .putLong(entry.staleIfErrorUntilMillis())
            .putInt(entry.valueCrc())
            .putInt(entry.headerLength())
            .putInt(extentCount)
            .putInt(key.length);
        for (int i = 0; i < extentCount; i++)
        {
            final long extent = entry.extent(i);
            dst.putInt((int)ExtentList.firstBlock(extent)).putInt((int)ExtentList.count(extent));
        }
        dst.put(key);
        final int end = start + length(entry);
        while (dst.position() < end)
        {
            dst.put((byte)0);
        }
    }

    /**
     * Decodes a record at the buffer's position, advancing it past the record.
     *
     * @param src        a little-endian buffer.
     * @param limitBytes how many bytes the record may take at most.
     * @return the entry, not yet verified, or null when the record is malformed.
     */
    public static Entry decode(final ByteBuffer src, final int limitBytes)
    {
        final ByteBuffer b = src.order() == ByteOrder.LITTLE_ENDIAN ? src : src.duplicate().order(
            ByteOrder.LITTLE_ENDIAN);
        final int start = b.position();
        if (limitBytes < EXTENTS_OFFSET || b.remaining() < EXTENTS_OFFSET)
        {
            return null;
        }
        final long sequence = b.getLong(start + SEQUENCE_OFFSET);
        final long valueLength = b.getLong(start + VALUE_LENGTH_OFFSET);
        final long createdAt = b.getLong(start + CREATED_AT_OFFSET);
        final long expiresAt = b.getLong(start + EXPIRES_AT_OFFSET);
        final int valueCrc = b.getInt(start + VALUE_CRC_OFFSET);
        final int headerLength = b.getInt(start + HEADER_LENGTH_OFFSET);
        final int extentCount = b.getInt(start + EXTENT_COUNT_OFFSET);
        final int keyLength = b.getInt(start + KEY_LENGTH_OFFSET);
        // A header padded to whole blocks by a metadata update (RawDiskCache.updateMetadata) may exceed the longest
        // header by up to a block.
        if (extentCount < 1 || extentCount > 4096 || keyLength < 1 || keyLength > EntryHeaderDescriptor.MAX_KEY_BYTES ||
            valueLength < 0 || headerLength < 0 ||
            headerLength > EntryHeaderDescriptor.maxHeaderLength() + CacheFile.MAX_BLOCK_SIZE)
        {
            return null;
        }
        final int length = align8(EXTENTS_OFFSET + extentCount * 8 + keyLength);
        if (length > limitBytes || length > b.remaining())
        {
            return null;
        }
        final long[] packed = new long[extentCount];
        int at = start + EXTENTS_OFFSET;
        for (int i = 0; i < extentCount; i++)
        {
            final long first = Integer.toUnsignedLong(b.getInt(at));
            final long count = Integer.toUnsignedLong(b.getInt(at + 4));
            if (count == 0 || first > ExtentList.MAX_BLOCK_INDEX || count > ExtentList.MAX_BLOCK_INDEX)
            {
                return null;
            }
            packed[i] = ExtentList.pack(first, count);
            at += 8;
        }
        final byte[] key = new byte[keyLength];
        b.get(at, key);
        src.position(start + length);
        return new Entry(new String(key, StandardCharsets.UTF_8), key, sequence, ExtentList.ofPacked(packed),
            headerLength, valueLength, valueCrc, createdAt, expiresAt, false, new long[]{
            b.getLong(start + FRESH_UNTIL_OFFSET), b.getLong(start + SWR_UNTIL_OFFSET),
            b.getLong(start + SIE_UNTIL_OFFSET)});
    }

    static int align8(final int value)
    {
        return (value + 7) & ~7;
    }
}
