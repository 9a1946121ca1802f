package dev.rawcache.format;

import dev.rawcache.io.block.ExtentList;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

import static dev.rawcache.format.EntryHeaderDescriptor.*;

/**
 * Encodes and checks entry headers laid out as {@link EntryHeaderDescriptor} says.
 * <p>
 * Stateless and thread-safe.
 */
public final class EntryHeader
{
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private EntryHeader()
    {
    }

    /**
     * Encodes a header.
     *
     * @param key            the key's UTF-8 bytes.
     * @param extents        where the entry lives.
     * @param valueLength    the value's length.
     * @param sequence       the store's unique sequence.
     * @param createdAtMillis when it was stored.
     * @param expiresAtMillis when it expires, 0 for never.
     * @param valueCrc       CRC32C of the value.
     * @param creationId     the cache file's creation id, which seeds the header CRC.
     * @return a heap buffer of {@link EntryHeaderDescriptor#headerLength(int, int)} bytes, position 0.
     */
    public static ByteBuffer encode(final byte[] key, final ExtentList extents, final long valueLength,
                                    final long sequence, final long createdAtMillis, final long expiresAtMillis,
                                    final int valueCrc, final long creationId)
    {
        return encode(key, extents, valueLength, sequence, createdAtMillis, expiresAtMillis, valueCrc, creationId,
            ByteBuffer.allocate(0), 0, new long[]{expiresAtMillis, 0, 0});
    }

    /**
     * Encodes a header with a metadata blob, padded to at least {@code reservedLength}.
     *
     * @param key             the key's UTF-8 bytes.
     * @param extents         where the entry lives.
     * @param valueLength     the value's length.
     * @param sequence        the store's unique sequence.
     * @param createdAtMillis when it was stored.
     * @param expiresAtMillis when it expires, 0 for never.
     * @param valueCrc        CRC32C of the value.
     * @param creationId      the cache file's creation id, which seeds the header CRC.
     * @param metadata        the metadata, from position to limit (not consumed).
     * @param reservedLength  the header length to use if larger than needed (a streaming writer's reservation), a
     *                        multiple of 8; 0 for exactly what is needed.
     * @param freshness       fresh until, stale-while-revalidate until, stale-if-error until (epoch ms, 0 = none).
     * @return a heap buffer of the header's length, position 0.
     */
    public static ByteBuffer encode(final byte[] key, final ExtentList extents, final long valueLength,
                                    final long sequence, final long createdAtMillis, final long expiresAtMillis,
                                    final int valueCrc, final long creationId, final ByteBuffer metadata,
                                    final int reservedLength, final long[] freshness)
    {
        final int metadataLength = metadata.remaining();
        final int headerLength = Math.max(reservedLength, headerLength(key.length, extents.size(), metadataLength));
        final ByteBuffer b = ByteBuffer.allocate(headerLength).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC_OFFSET, MAGIC)
            .putShort(VERSION_OFFSET, VERSION)
            .putShort(FLAGS_OFFSET, (short)0)
            .putInt(HEADER_LENGTH_OFFSET, headerLength)
            .putInt(KEY_LENGTH_OFFSET, key.length)
            .putLong(VALUE_LENGTH_OFFSET, valueLength)
            .putLong(SEQUENCE_OFFSET, sequence)
            .putLong(CREATED_AT_OFFSET, createdAtMillis)
            .putLong(EXPIRES_AT_OFFSET, expiresAtMillis)
            .putLong(FRESH_UNTIL_OFFSET, freshness[0])
            .putLong(SWR_UNTIL_OFFSET, freshness[1])
            .putLong(SIE_UNTIL_OFFSET, freshness[2])
            .putInt(VALUE_CRC_OFFSET, valueCrc)
            .putInt(EXTENT_COUNT_OFFSET, extents.size())
            .putInt(METADATA_LENGTH_OFFSET, metadataLength);
        int offset = EXTENTS_OFFSET;
        for (int i = 0; i < extents.size(); i++)
        {
            b.putInt(offset, (int)extents.firstBlock(i)).putInt(offset + Integer.BYTES, (int)extents.count(i));
            offset += EXTENT_LENGTH;
        }
        b.put(offset, key);
        b.put(offset + key.length, metadata.duplicate(), metadata.position(), metadataLength);
        b.putInt(HEADER_CRC_OFFSET, headerCrc(b, headerLength, creationId));
        return b;
    }

    /**
     * The metadata blob of a header already checked by {@link #matches}.
     *
     * @param header the header bytes from position 0.
     * @return a slice holding the metadata (empty when there is none).
     */
    public static ByteBuffer metadata(final ByteBuffer header)
    {
        final ByteBuffer b = header.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        final int keyEnd = EXTENTS_OFFSET + b.getInt(EXTENT_COUNT_OFFSET) * EXTENT_LENGTH + b.getInt(KEY_LENGTH_OFFSET);
        return b.slice(keyEnd, b.getInt(METADATA_LENGTH_OFFSET));
    }

    /**
     * The check of every read of an entry whose header has already been {@linkplain #matches fully checked} since
     * the file was opened (or that this process wrote): magic, lengths and sequence, read in place from the first
     * 32 bytes, with no copy. The sequence is unique to one store in one file, so blocks that came to hold another
     * entry fail it; the full check with key and CRC ran when the entry was first read.
     *
     * @param header       the bytes holding the header.
     * @param at           the header's offset in {@code header}.
     * @param sequence     the expected sequence.
     * @param headerLength the expected header length.
     * @param valueLength  the expected value length.
     * @return true when those fields match.
     */
    public static boolean quickMatch(final MemorySegment header, final long at, final long sequence,
                                     final int headerLength, final long valueLength)
    {
        return header.get(INT, at + MAGIC_OFFSET) == MAGIC &&
            header.get(LONG, at + SEQUENCE_OFFSET) == sequence &&
            header.get(INT, at + HEADER_LENGTH_OFFSET) == headerLength &&
            header.get(LONG, at + VALUE_LENGTH_OFFSET) == valueLength;
    }

    /**
     * {@link #quickMatch(MemorySegment, long, long, int, long)} on a buffer.
     *
     * @param header       the buffer holding the header.
     * @param at           the header's offset from the buffer's position.
     * @param sequence     the expected sequence.
     * @param headerLength the expected header length.
     * @param valueLength  the expected value length.
     * @return true when those fields match.
     */
    public static boolean quickMatch(final ByteBuffer header, final int at, final long sequence,
                                     final int headerLength, final long valueLength)
    {
        return header.remaining() - at >= EXTENTS_OFFSET &&
            quickMatch(MemorySegment.ofBuffer(header), at, sequence, headerLength, valueLength);
    }

    /**
     * Checks that {@code header} is the intact header of the entry the index expects: magic, checksum, sequence,
     * lengths and key all match. A mismatch means the blocks hold something else (damage, or another entry).
     *
     * @param header         the header bytes from position 0; other positions are not used.
     * @param key            the expected key's UTF-8 bytes.
     * @param sequence       the expected sequence.
     * @param headerLength   the expected header length.
     * @param valueLength    the expected value length.
     * @param creationId     the cache file's creation id.
     * @return true when the header is intact and is that entry's.
     */
    public static boolean matches(final ByteBuffer header, final byte[] key, final long sequence,
                                  final int headerLength, final long valueLength, final long creationId)
    {
        final ByteBuffer b = header.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        // Only the expected lengths, which come from the index, bound what is read before the CRC has vouched for
        // the rest: a damaged length field on disk must make a miss, not an out-of-bounds read.
        if (headerLength < EXTENTS_OFFSET || b.limit() < headerLength || b.getInt(MAGIC_OFFSET) != MAGIC ||
            b.getInt(HEADER_CRC_OFFSET) != headerCrc(b, headerLength, creationId))
        {
            return false;
        }
        final int extentCount = b.getInt(EXTENT_COUNT_OFFSET);
        if (b.getInt(HEADER_LENGTH_OFFSET) != headerLength || b.getLong(SEQUENCE_OFFSET) != sequence ||
            b.getLong(VALUE_LENGTH_OFFSET) != valueLength || b.getInt(KEY_LENGTH_OFFSET) != key.length ||
            extentCount < 1 || extentCount > MAX_EXTENTS)
        {
            return false;
        }
        final int keyOffset = EXTENTS_OFFSET + extentCount * EXTENT_LENGTH;
        final int metadataLength = b.getInt(METADATA_LENGTH_OFFSET);
        return metadataLength >= 0 && metadataLength <= MAX_METADATA_BYTES &&
            keyOffset + key.length + metadataLength <= headerLength &&
            b.slice(keyOffset, key.length).mismatch(ByteBuffer.wrap(key)) == -1;
    }

    /**
     * Decodes a header found by a scan, with no index to compare it with: checks magic, lengths and the CRC.
     *
     * @param header     bytes from the start of a block, at least the header's length if it is one.
     * @param creationId the cache file's creation id.
     * @return the entry it describes, not yet verified, or null when these bytes are not an intact header.
     */
    public static dev.rawcache.index.Entry decode(final ByteBuffer header, final long creationId)
    {
        final ByteBuffer b = header.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (b.limit() < EXTENTS_OFFSET || b.getInt(MAGIC_OFFSET) != MAGIC)
        {
            return null;
        }
        final int headerLength = b.getInt(HEADER_LENGTH_OFFSET);
        final int extentCount = b.getInt(EXTENT_COUNT_OFFSET);
        final int keyLength = b.getInt(KEY_LENGTH_OFFSET);
        if (headerLength < EXTENTS_OFFSET || headerLength > b.limit() || extentCount < 1 || extentCount > MAX_EXTENTS ||
            keyLength < 1 || keyLength > MAX_KEY_BYTES ||
            b.getInt(METADATA_LENGTH_OFFSET) < 0 || b.getInt(METADATA_LENGTH_OFFSET) > MAX_METADATA_BYTES ||
            EXTENTS_OFFSET + extentCount * EXTENT_LENGTH + keyLength + b.getInt(METADATA_LENGTH_OFFSET) >
                headerLength ||
            b.getInt(HEADER_CRC_OFFSET) != headerCrc(b, headerLength, creationId))
        {
            return null;
        }
        final long[] packed = new long[extentCount];
        for (int i = 0; i < extentCount; i++)
        {
            final long first = Integer.toUnsignedLong(b.getInt(EXTENTS_OFFSET + i * EXTENT_LENGTH));
            final long count = Integer.toUnsignedLong(b.getInt(EXTENTS_OFFSET + i * EXTENT_LENGTH + Integer.BYTES));
            if (count == 0 || first > ExtentList.MAX_BLOCK_INDEX || count > ExtentList.MAX_BLOCK_INDEX)
            {
                return null;
            }
            packed[i] = ExtentList.pack(first, count);
        }
        final byte[] key = new byte[keyLength];
        b.get(EXTENTS_OFFSET + extentCount * EXTENT_LENGTH, key);
        return new dev.rawcache.index.Entry(new String(key, java.nio.charset.StandardCharsets.UTF_8), key,
            b.getLong(SEQUENCE_OFFSET), ExtentList.ofPacked(packed), headerLength, b.getLong(VALUE_LENGTH_OFFSET),
            b.getInt(VALUE_CRC_OFFSET), b.getLong(CREATED_AT_OFFSET), b.getLong(EXPIRES_AT_OFFSET), false,
            new long[]{b.getLong(FRESH_UNTIL_OFFSET), b.getLong(SWR_UNTIL_OFFSET), b.getLong(SIE_UNTIL_OFFSET)});
    }

    private static int headerCrc(final ByteBuffer b, final int headerLength, final long creationId)
    {
        final CRC32C crc = dev.rawcache.journal.JournalDescriptor.seeded(creationId);
        crc.update(b.slice(0, HEADER_CRC_OFFSET));
        crc.update(b.slice(EXTENTS_OFFSET, headerLength - EXTENTS_OFFSET));
        return (int)crc.getValue();
    }
}
