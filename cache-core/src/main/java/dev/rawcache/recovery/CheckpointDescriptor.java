package dev.rawcache.recovery;

/**
 * The layouts of the metadata region: two checkpoint pointer blocks, then the journal ring; and of a checkpoint, which
 * lives in ordinary data blocks that the allocator hands out (so its size follows the number of entries).
 * Little-endian.
 * <pre>
 * Metadata region:  block 1 = pointer slot 0, block 2 = pointer slot 1, blocks 3 .. data start - 1 = journal ring.
 *
 * Pointer (one block):
 *   0 magic "RCPOINT1" (64)     8 version (32)           12 extent count (32)
 *  16 checkpoint sequence (64) 24 replay LSN (64)        32 checkpoint length (64)
 *  40 checkpoint CRC32C (32)   44 pointer CRC32C (32)    48 extents: count x (first block (32), blocks (32))
 *
 * Checkpoint (a byte stream over the pointer's extents):
 *   0 magic "RCCHKPT1" (64)     8 version (32)           12 reserved (32)
 *  16 checkpoint sequence (64) 24 replay LSN (64)        32 next entry sequence (64)
 *  40 entry count (64)         48 reserved (128)
 *  64 entry records ({@link dev.rawcache.journal.EntryRecord}), least recently used first
 * </pre>
 * Every CRC32C is seeded with the cache file's creation id. A pointer is written only after its checkpoint is
 * written and synced, and a new checkpoint goes to the slot that does not hold the newest good one, so a torn or
 * damaged pointer or checkpoint always leaves the other slot to fall back to.
 */
public final class CheckpointDescriptor
{
    /** "RCPOINT1" as a little-endian long. */
    public static final long POINTER_MAGIC = 0x31544E494F504352L;
    /** "RCCHKPT1" as a little-endian long. */
    public static final long CHECKPOINT_MAGIC = 0x3154504B48434352L;
    /** Layout version. */
    public static final int VERSION = 1;

    /** Blocks of the metadata region before the journal ring. */
    public static final int POINTER_SLOTS = 2;

    /** Offset of a pointer's magic. */
    public static final int POINTER_MAGIC_OFFSET = 0;
    /** Offset of a pointer's version. */
    public static final int POINTER_VERSION_OFFSET = POINTER_MAGIC_OFFSET + Long.BYTES;
    /** Offset of a pointer's extent count. */
    public static final int POINTER_EXTENT_COUNT_OFFSET = POINTER_VERSION_OFFSET + Integer.BYTES;
    /** Offset of a pointer's checkpoint sequence. */
    public static final int POINTER_SEQUENCE_OFFSET = POINTER_EXTENT_COUNT_OFFSET + Integer.BYTES;
    /** Offset of a pointer's replay LSN. */
    public static final int POINTER_REPLAY_LSN_OFFSET = POINTER_SEQUENCE_OFFSET + Long.BYTES;
    /** Offset of a pointer's checkpoint length. */
    public static final int POINTER_LENGTH_OFFSET = POINTER_REPLAY_LSN_OFFSET + Long.BYTES;
    /** Offset of a pointer's checkpoint CRC. */
    public static final int POINTER_CHECKPOINT_CRC_OFFSET = POINTER_LENGTH_OFFSET + Long.BYTES;
    /** Offset of a pointer's own CRC. */
    public static final int POINTER_CRC_OFFSET = POINTER_CHECKPOINT_CRC_OFFSET + Integer.BYTES;
    /** Offset of a pointer's first extent. */
    public static final int POINTER_EXTENTS_OFFSET = POINTER_CRC_OFFSET + Integer.BYTES;

    /** Offset of a checkpoint's magic. */
    public static final int CHECKPOINT_MAGIC_OFFSET = 0;
    /** Offset of a checkpoint's version. */
    public static final int CHECKPOINT_VERSION_OFFSET = CHECKPOINT_MAGIC_OFFSET + Long.BYTES;
    /** Offset of a checkpoint's sequence. */
    public static final int CHECKPOINT_SEQUENCE_OFFSET = CHECKPOINT_VERSION_OFFSET + Integer.BYTES + Integer.BYTES;
    /** Offset of a checkpoint's replay LSN. */
    public static final int CHECKPOINT_REPLAY_LSN_OFFSET = CHECKPOINT_SEQUENCE_OFFSET + Long.BYTES;
    /** Offset of a checkpoint's next entry sequence. */
    public static final int CHECKPOINT_NEXT_SEQUENCE_OFFSET = CHECKPOINT_REPLAY_LSN_OFFSET + Long.BYTES;
    /** Offset of a checkpoint's entry count. */
    public static final int CHECKPOINT_ENTRY_COUNT_OFFSET = CHECKPOINT_NEXT_SEQUENCE_OFFSET + Long.BYTES;
    /** Length of a checkpoint's header; entry records follow. */
    public static final int CHECKPOINT_HEADER_LENGTH = 64;

    private CheckpointDescriptor()
    {
    }

    /**
     * The most extents a pointer block of this size can list.
     *
     * @param blockSize the block size.
     * @return the extent limit for a checkpoint.
     */
    public static int maxPointerExtents(final int blockSize)
    {
        return (blockSize - POINTER_EXTENTS_OFFSET) / 8;
    }

    /**
     * The file offset of a pointer slot.
     *
     * @param slot      0 or 1.
     * @param blockSize the block size.
     * @return the offset.
     */
    public static long pointerOffset(final int slot, final int blockSize)
    {
        return (long)(1 + slot) * blockSize;
    }

    /**
     * The file offset of the journal ring.
     *
     * @param blockSize the block size.
     * @return the offset.
     */
    public static long ringOffset(final int blockSize)
    {
        return (long)(1 + POINTER_SLOTS) * blockSize;
    }
}
