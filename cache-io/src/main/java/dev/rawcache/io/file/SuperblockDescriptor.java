package dev.rawcache.io.file;

/**
 * The layout of the superblock, the first block of every cache file. All fields are little-endian.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                    Magic "RAWCACHE" (64)                      |
 *  +---------------------------------------------------------------+
 *  |                   Format Version (32)                         |
 *  +---------------------------------------------------------------+
 *  |                     Block Size (32)                           |
 *  +---------------------------------------------------------------+
 *  |                   Block Count (64), superblock included       |
 *  +---------------------------------------------------------------+
 *  |                     Creation Id (64)                          |
 *  +---------------------------------------------------------------+
 *  |                  Created At, epoch ms (64)                    |
 *  +---------------------------------------------------------------+
 *  |                  Data Start Block (64)                        |
 *  +---------------------------------------------------------------+
 *  |                  Data Block Count (64)                        |
 *  +---------------------------------------------------------------+
 *  |                        Flags (32)                             |
 *  +---------------------------------------------------------------+
 *  |              CRC32C of bytes 0 .. CHECKSUM_OFFSET (32)        |
 *  +---------------------------------------------------------------+
 *  |             zero up to the end of block 0                     |
 *  +---------------------------------------------------------------+
 * </pre>
 * Data blocks run from {@code Data Start Block} for {@code Data Block Count} blocks; blocks between the superblock
 * and the data region are reserved for metadata (in version 2: two checkpoint pointer blocks and the journal ring,
 * laid out by cache-core). Version 1 had no metadata region; version 3 added freshness windows to entries.
 */
public final class SuperblockDescriptor
{
    /** "RAWCACHE" in ASCII, read as a little-endian long. */
    public static final long MAGIC = 0x4548434143574152L;

    /** The format version this code writes and reads. */
    public static final int FORMAT_VERSION = 3;

    /** Offset of the magic. */
    public static final int MAGIC_OFFSET = 0;
    /** Offset of the format version. */
    public static final int VERSION_OFFSET = MAGIC_OFFSET + Long.BYTES;
    /** Offset of the block size. */
    public static final int BLOCK_SIZE_OFFSET = VERSION_OFFSET + Integer.BYTES;
    /** Offset of the total block count. */
    public static final int BLOCK_COUNT_OFFSET = BLOCK_SIZE_OFFSET + Integer.BYTES;
    /** Offset of the random creation id. */
    public static final int CREATION_ID_OFFSET = BLOCK_COUNT_OFFSET + Long.BYTES;
    /** Offset of the creation time. */
    public static final int CREATED_AT_OFFSET = CREATION_ID_OFFSET + Long.BYTES;
    /** Offset of the first data block's index. */
    public static final int DATA_START_OFFSET = CREATED_AT_OFFSET + Long.BYTES;
    /** Offset of the data block count. */
    public static final int DATA_COUNT_OFFSET = DATA_START_OFFSET + Long.BYTES;
    /** Offset of the flags, zero in version 1. */
    public static final int FLAGS_OFFSET = DATA_COUNT_OFFSET + Long.BYTES;
    /** Offset of the CRC32C over every byte before it. */
    public static final int CHECKSUM_OFFSET = FLAGS_OFFSET + Integer.BYTES;
    /** Bytes of the superblock that carry fields. */
    public static final int LENGTH = CHECKSUM_OFFSET + Integer.BYTES;

    private SuperblockDescriptor()
    {
    }
}
