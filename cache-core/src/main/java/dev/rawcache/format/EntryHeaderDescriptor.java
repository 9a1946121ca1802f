package dev.rawcache.format;

/**
 * The layout of the header that starts every entry's byte stream on disk; the value follows it. All fields are
 * little-endian.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                       Magic "RCE1" (32)                       |
 *  +-------------------------------+-------------------------------+
 *  |          Version (16)         |           Flags (16)          |
 *  +-------------------------------+-------------------------------+
 *  |            Header Length (32), value starts here              |
 *  +---------------------------------------------------------------+
 *  |                     Key Length (32), UTF-8                    |
 *  +---------------------------------------------------------------+
 *  |                       Value Length (64)                       |
 *  +---------------------------------------------------------------+
 *  |                  Sequence (64), unique per store              |
 *  +---------------------------------------------------------------+
 *  |                 Created At (64), epoch ms                     |
 *  +---------------------------------------------------------------+
 *  |     Expires At (64), epoch ms, 0 = never: the hard end        |
 *  +---------------------------------------------------------------+
 *  |              Fresh Until (64), epoch ms, 0 = forever          |
 *  +---------------------------------------------------------------+
 *  |    Stale-While-Revalidate Until (64), epoch ms, 0 = none      |
 *  +---------------------------------------------------------------+
 *  |        Stale-If-Error Until (64), epoch ms, 0 = none          |
 *  +---------------------------------------------------------------+
 *  |                   CRC32C of the value (32)                    |
 *  +---------------------------------------------------------------+
 *  |                     Extent Count (32)                         |
 *  +---------------------------------------------------------------+
 *  |                    Metadata Length (32)                       |
 *  +---------------------------------------------------------------+
 *  |          CRC32C of the header, this field as zero (32)        |
 *  +---------------------------------------------------------------+
 *  |     Extents: Extent Count x (First Block (32), Count (32))    |
 *  +---------------------------------------------------------------+
 *  |                           Key bytes                           |
 *  +---------------------------------------------------------------+
 *  |     Metadata bytes, then zeros up to Header Length (8-aligned)  |
 *  +---------------------------------------------------------------+
 * </pre>
 * A streaming writer that does not know its extent list in advance reserves room for the most extents, so its
 * header may end in more zeros; {@code Header Length} says where the value starts either way.
 * The extents come before the key so that the first block of an entry always holds the whole extent list (at most
 * {@link #MAX_EXTENTS} of them), which is what a scan needs to find the rest of the entry.
 */
public final class EntryHeaderDescriptor
{
    /** "RCE1" in ASCII, read as a little-endian int. */
    public static final int MAGIC = 0x31454352;
    /** The header version this code writes (2 added the freshness windows). */
    public static final short VERSION = 2;
    /** The most extents one entry may occupy; a store evicts more rather than scatter further. */
    public static final int MAX_EXTENTS = 256;
    /** The longest key, in UTF-8 bytes. */
    public static final int MAX_KEY_BYTES = 2048;
    /** The largest metadata blob (such as serialized response headers). */
    public static final int MAX_METADATA_BYTES = 64 * 1024;

    /** Offset of the magic. */
    public static final int MAGIC_OFFSET = 0;
    /** Offset of the version. */
    public static final int VERSION_OFFSET = MAGIC_OFFSET + Integer.BYTES;
    /** Offset of the flags. */
    public static final int FLAGS_OFFSET = VERSION_OFFSET + Short.BYTES;
    /** Offset of the header length. */
    public static final int HEADER_LENGTH_OFFSET = FLAGS_OFFSET + Short.BYTES;
    /** Offset of the key length. */
    public static final int KEY_LENGTH_OFFSET = HEADER_LENGTH_OFFSET + Integer.BYTES;
    /** Offset of the value length. */
    public static final int VALUE_LENGTH_OFFSET = KEY_LENGTH_OFFSET + Integer.BYTES;
    /** Offset of the store sequence. */
    public static final int SEQUENCE_OFFSET = VALUE_LENGTH_OFFSET + Long.BYTES;
    /** Offset of the creation time. */
    public static final int CREATED_AT_OFFSET = SEQUENCE_OFFSET + Long.BYTES;
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
    /** Offset of the extent count. */
    public static final int EXTENT_COUNT_OFFSET = VALUE_CRC_OFFSET + Integer.BYTES;
    /** Offset of the metadata length. */
    public static final int METADATA_LENGTH_OFFSET = EXTENT_COUNT_OFFSET + Integer.BYTES;
    /** Offset of the header's CRC32C. */
    public static final int HEADER_CRC_OFFSET = METADATA_LENGTH_OFFSET + Integer.BYTES;
    /** Offset of the first extent. */
    public static final int EXTENTS_OFFSET = HEADER_CRC_OFFSET + Integer.BYTES;
    /** Bytes per extent record. */
    public static final int EXTENT_LENGTH = Integer.BYTES + Integer.BYTES;

    private EntryHeaderDescriptor()
    {
    }

    /**
     * The header length for a key and extent count, padded to 8 bytes.
     *
     * @param keyBytes    UTF-8 length of the key.
     * @param extentCount how many extents.
     * @return the header length in bytes.
     */
    public static int headerLength(final int keyBytes, final int extentCount)
    {
        return headerLength(keyBytes, extentCount, 0);
    }

    /**
     * The header length for a key, extent count and metadata length, padded to 8 bytes.
     *
     * @param keyBytes      UTF-8 length of the key.
     * @param extentCount   how many extents.
     * @param metadataBytes length of the metadata.
     * @return the header length in bytes.
     */
    public static int headerLength(final int keyBytes, final int extentCount, final int metadataBytes)
    {
        return align8(EXTENTS_OFFSET + extentCount * EXTENT_LENGTH + keyBytes + metadataBytes);
    }

    /**
     * The largest header any entry can have.
     *
     * @return the header length for the longest key and the most extents.
     */
    public static int maxHeaderLength()
    {
        return headerLength(MAX_KEY_BYTES, MAX_EXTENTS, MAX_METADATA_BYTES);
    }

    private static int align8(final int value)
    {
        return (value + 7) & ~7;
    }
}
