package dev.rawcache.recovery;

import dev.rawcache.io.block.ExtentList;
import dev.rawcache.journal.JournalDescriptor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

import static dev.rawcache.recovery.CheckpointDescriptor.*;

/**
 * A decoded checkpoint pointer: which checkpoint, where it lies, how long it is and its checksum, and from which
 * journal LSN to replay after loading it.
 * <p>
 * Immutable and thread-safe.
 *
 * @param slot          the pointer slot, 0 or 1.
 * @param sequence      the checkpoint's sequence; the higher, the newer.
 * @param replayLsn     where the journal replay starts after this checkpoint.
 * @param length        the checkpoint's byte length (0 for the empty checkpoint of a new file).
 * @param checkpointCrc the checkpoint's CRC32C.
 * @param extents       where the checkpoint lies (empty for the empty checkpoint).
 */
public record CheckpointPointer(int slot, long sequence, long replayLsn, long length, int checkpointCrc,
                                ExtentList extents)
{
    /**
     * Encodes the pointer into a block.
     *
     * @param blockSize  the block size.
     * @param creationId the file's creation id.
     * @return a buffer of one block, position 0.
     */
    public ByteBuffer encode(final int blockSize, final long creationId)
    {
        final ByteBuffer b = ByteBuffer.allocate(blockSize).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(POINTER_MAGIC_OFFSET, POINTER_MAGIC)
            .putInt(POINTER_VERSION_OFFSET, VERSION)
            .putInt(POINTER_EXTENT_COUNT_OFFSET, extents.size())
            .putLong(POINTER_SEQUENCE_OFFSET, sequence)
            .putLong(POINTER_REPLAY_LSN_OFFSET, replayLsn)
            .putLong(POINTER_LENGTH_OFFSET, length)
            .putInt(POINTER_CHECKPOINT_CRC_OFFSET, checkpointCrc);
        for (int i = 0; i < extents.size(); i++)
        {
            b.putInt(POINTER_EXTENTS_OFFSET + 8 * i, (int)extents.firstBlock(i))
                .putInt(POINTER_EXTENTS_OFFSET + 8 * i + 4, (int)extents.count(i));
        }
        b.putInt(POINTER_CRC_OFFSET, crc(b, extents.size(), creationId));
        return b;
    }

    /**
     * Decodes and checks a pointer block.
     *
     * @param block      the block.
     * @param slot       which slot it came from.
     * @param creationId the file's creation id.
     * @return the pointer, or null when the block holds no valid pointer (never written, torn, damaged, or of an
     * earlier format of the file).
     */
    public static CheckpointPointer decode(final ByteBuffer block, final int slot, final long creationId)
    {
        final ByteBuffer b = block.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (b.limit() < POINTER_EXTENTS_OFFSET || b.getLong(POINTER_MAGIC_OFFSET) != POINTER_MAGIC ||
            b.getInt(POINTER_VERSION_OFFSET) != VERSION)
        {
            return null;
        }
        final int extentCount = b.getInt(POINTER_EXTENT_COUNT_OFFSET);
        if (extentCount < 0 || POINTER_EXTENTS_OFFSET + 8L * extentCount > b.limit() ||
            b.getInt(POINTER_CRC_OFFSET) != crc(b, extentCount, creationId))
        {
            return null;
        }
        final long[] packed = new long[extentCount];
        for (int i = 0; i < extentCount; i++)
        {
            final long first = Integer.toUnsignedLong(b.getInt(POINTER_EXTENTS_OFFSET + 8 * i));
            final long count = Integer.toUnsignedLong(b.getInt(POINTER_EXTENTS_OFFSET + 8 * i + 4));
            if (count == 0 || first > ExtentList.MAX_BLOCK_INDEX || count > ExtentList.MAX_BLOCK_INDEX)
            {
                return null;
            }
            packed[i] = ExtentList.pack(first, count);
        }
        return new CheckpointPointer(slot, b.getLong(POINTER_SEQUENCE_OFFSET), b.getLong(POINTER_REPLAY_LSN_OFFSET),
            b.getLong(POINTER_LENGTH_OFFSET), b.getInt(POINTER_CHECKPOINT_CRC_OFFSET), ExtentList.ofPacked(packed));
    }

    private static int crc(final ByteBuffer b, final int extentCount, final long creationId)
    {
        final CRC32C crc = JournalDescriptor.seeded(creationId);
        crc.update(b.slice(0, POINTER_CRC_OFFSET));
        crc.update(b.slice(POINTER_EXTENTS_OFFSET, 8 * extentCount));
        return (int)crc.getValue();
    }
}
