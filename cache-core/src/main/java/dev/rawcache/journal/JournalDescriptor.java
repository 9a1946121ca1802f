package dev.rawcache.journal;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The layout of a journal record. The journal is a ring of blocks in the cache file's metadata region holding an
 * endless log addressed by log sequence number (LSN, the record's byte position in the endless log); a record at LSN
 * {@code l} sits at ring offset {@code l % ringBytes}. Little-endian, 8-byte aligned.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                   Record Length (32), multiple of 8           |
 *  +-------------------------------+-------------------------------+
 *  |          Type (16)            |           Flags (16)          |
 *  +-------------------------------+-------------------------------+
 *  |                            LSN (64)                           |
 *  +---------------------------------------------------------------+
 *  |  CRC32C (32): creation id, bytes 0..15, bytes 24..length      |
 *  +---------------------------------------------------------------+
 *  |                         Reserved (32)                         |
 *  +---------------------------------------------------------------+
 *  |                           Payload ...                         |
 *  +---------------------------------------------------------------+
 * </pre>
 * A record never straddles the end of the ring: the writer fills the rest of the ring with a {@code PAD} record, or,
 * when fewer than {@link #HEADER_LENGTH} bytes are left, skips them; the reader does the same. The CRC is seeded with
 * the cache file's creation id, so records left by an earlier format of the same file never pass. A reader stops at
 * the first record whose length, LSN or CRC is not the expected one: that is the end of the log, and a torn write at
 * the tail is simply not there.
 */
public final class JournalDescriptor
{
    /** Offset of the record length. */
    public static final int LENGTH_OFFSET = 0;
    /** Offset of the type. */
    public static final int TYPE_OFFSET = LENGTH_OFFSET + Integer.BYTES;
    /** Offset of the flags. */
    public static final int FLAGS_OFFSET = TYPE_OFFSET + Short.BYTES;
    /** Offset of the LSN. */
    public static final int LSN_OFFSET = FLAGS_OFFSET + Short.BYTES;
    /** Offset of the CRC32C. */
    public static final int CRC_OFFSET = LSN_OFFSET + Long.BYTES;
    /** Offset of the reserved field. */
    public static final int RESERVED_OFFSET = CRC_OFFSET + Integer.BYTES;
    /** Length of the record header; the payload starts here. */
    public static final int HEADER_LENGTH = RESERVED_OFFSET + Integer.BYTES;

    /** An entry was stored: the payload is an {@link EntryRecord}. */
    public static final short TYPE_STORE = 1;
    /** An entry was removed, evicted, expired or dropped: sequence (64), key length (32), pad (32), key. */
    public static final short TYPE_REMOVE = 2;
    /** Filler up to the end of the ring. */
    public static final short TYPE_PAD = 3;

    /** Offset of a remove record's sequence, in its payload. */
    public static final int REMOVE_SEQUENCE_OFFSET = 0;
    /** Offset of a remove record's key length, in its payload. */
    public static final int REMOVE_KEY_LENGTH_OFFSET = REMOVE_SEQUENCE_OFFSET + Long.BYTES;
    /** Offset of a remove record's key, in its payload. */
    public static final int REMOVE_KEY_OFFSET = REMOVE_KEY_LENGTH_OFFSET + Integer.BYTES + Integer.BYTES;

    /** The longest record the reader accepts. */
    public static final int MAX_RECORD_LENGTH = 1 << 20;

    private JournalDescriptor()
    {
    }

    /**
     * The CRC32C of a record, seeded with the file's creation id.
     *
     * @param record     the record from position 0; other positions are not used.
     * @param length     the record's length.
     * @param creationId the cache file's creation id.
     * @return the checksum.
     */
    public static int crc(final ByteBuffer record, final int length, final long creationId)
    {
        final CRC32C crc = seeded(creationId);
        crc.update(record.slice(0, CRC_OFFSET));
        crc.update(record.slice(HEADER_LENGTH, length - HEADER_LENGTH));
        return (int)crc.getValue();
    }

    /**
     * A CRC32C that has already taken in the creation id: every checksum of the metadata region starts so.
     *
     * @param creationId the cache file's creation id.
     * @return the checksum in progress.
     */
    public static CRC32C seeded(final long creationId)
    {
        final CRC32C crc = new CRC32C();
        crc.update(seed(creationId));
        return crc;
    }

    /**
     * The bytes every checksum of the metadata region starts with: the creation id, little-endian.
     *
     * @param creationId the cache file's creation id.
     * @return a new array of 8 bytes.
     */
    public static byte[] seed(final long creationId)
    {
        final byte[] seed = new byte[Long.BYTES];
        for (int i = 0; i < Long.BYTES; i++)
        {
            seed[i] = (byte)(creationId >>> (8 * i));
        }
        return seed;
    }

    /**
     * The same checksum as {@link #crc(ByteBuffer, int, long)}, of a record in a heap array, with a checksum object
     * the caller reuses: the journal's append path allocates nothing for it.
     *
     * @param crc    a checksum object, reset here; not shared between threads.
     * @param seed   {@link #seed(long)} of the file's creation id.
     * @param array  the array holding the record.
     * @param offset where the record starts in it.
     * @param length the record's length.
     * @return the checksum.
     */
    public static int crc(final CRC32C crc, final byte[] seed, final byte[] array, final int offset, final int length)
    {
        crc.reset();
        crc.update(seed);
        crc.update(array, offset, CRC_OFFSET);
        crc.update(array, offset + HEADER_LENGTH, length - HEADER_LENGTH);
        return (int)crc.getValue();
    }
}
