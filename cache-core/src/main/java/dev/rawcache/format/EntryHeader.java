package dev.rawcache.format;

import dev.rawcache.io.block.ExtentList;

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
     * @return a heap buffer of {@link EntryHeaderDescriptor#headerLength(int, int)} bytes, position 0.
     */
    public static ByteBuffer encode(final byte[] key, final ExtentList extents, final long valueLength,
                                    final long sequence, final long createdAtMillis, final long expiresAtMillis,
                                    final int valueCrc)
    {
        final int headerLength = headerLength(key.length, extents.size());
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
            .putInt(VALUE_CRC_OFFSET, valueCrc)
            .putInt(EXTENT_COUNT_OFFSET, extents.size())
            .putInt(METADATA_LENGTH_OFFSET, 0);
        int offset = EXTENTS_OFFSET;
        for (int i = 0; i < extents.size(); i++)
        {
            b.putInt(offset, (int)extents.firstBlock(i)).putInt(offset + Integer.BYTES, (int)extents.count(i));
            offset += EXTENT_LENGTH;
        }
        b.put(offset, key);
        b.putInt(HEADER_CRC_OFFSET, headerCrc(b, headerLength));
        return b;
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
     * @return true when the header is intact and is that entry's.
     */
    public static boolean matches(final ByteBuffer header, final byte[] key, final long sequence,
                                  final int headerLength, final long valueLength)
    {
        final ByteBuffer b = header.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        // Only the expected lengths, which come from the index, bound what is read before the CRC has vouched for
        // the rest: a damaged length field on disk must make a miss, not an out-of-bounds read.
        if (headerLength < EXTENTS_OFFSET || b.limit() < headerLength || b.getInt(MAGIC_OFFSET) != MAGIC ||
            b.getInt(HEADER_CRC_OFFSET) != headerCrc(b, headerLength))
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
        return keyOffset + key.length <= headerLength &&
            b.slice(keyOffset, key.length).mismatch(ByteBuffer.wrap(key)) == -1;
    }

    private static int headerCrc(final ByteBuffer b, final int headerLength)
    {
        final CRC32C crc = new CRC32C();
        crc.update(b.slice(0, HEADER_CRC_OFFSET));
        crc.update(b.slice(EXTENTS_OFFSET, headerLength - EXTENTS_OFFSET));
        return (int)crc.getValue();
    }
}
