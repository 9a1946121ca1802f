package dev.rawcache.io.file;

import dev.rawcache.io.CacheIoException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.zip.CRC32C;

import static dev.rawcache.io.file.SuperblockDescriptor.*;

/**
 * The decoded superblock of a cache file: its geometry and identity.
 * <p>
 * Immutable and thread-safe.
 *
 * @param blockSize      bytes per block, a power of two.
 * @param blockCount     blocks in the file, the superblock included.
 * @param creationId     random id chosen when the file was formatted.
 * @param createdAtMillis when the file was formatted, epoch milliseconds.
 * @param dataStartBlock the first block of the data region.
 * @param dataBlockCount how many blocks the data region has.
 */
public record Superblock(int blockSize, long blockCount, long creationId, long createdAtMillis, long dataStartBlock,
                         long dataBlockCount)
{
    /**
     * The length of the file this superblock describes.
     *
     * @return block size times block count.
     */
    public long fileLength()
    {
        return (long)blockSize * blockCount;
    }

    /**
     * Encodes this superblock into a zero-filled buffer of one block.
     *
     * @return a buffer of {@code blockSize} bytes, position 0, limit {@code blockSize}.
     */
    public ByteBuffer encode()
    {
        final ByteBuffer buffer = ByteBuffer.allocate(blockSize).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(MAGIC_OFFSET, MAGIC)
            .putInt(VERSION_OFFSET, FORMAT_VERSION)
            .putInt(BLOCK_SIZE_OFFSET, blockSize)
            .putLong(BLOCK_COUNT_OFFSET, blockCount)
            .putLong(CREATION_ID_OFFSET, creationId)
            .putLong(CREATED_AT_OFFSET, createdAtMillis)
            .putLong(DATA_START_OFFSET, dataStartBlock)
            .putLong(DATA_COUNT_OFFSET, dataBlockCount)
            .putInt(FLAGS_OFFSET, 0)
            .putInt(CHECKSUM_OFFSET, checksum(buffer));
        return buffer;
    }

    /**
     * Decodes and checks a superblock.
     *
     * @param buffer     at least {@link SuperblockDescriptor#LENGTH} bytes from offset 0 of the file.
     * @param file       the file, for error messages.
     * @param fileLength the file's actual length.
     * @return the superblock.
     * @throws CacheIoException with reason {@code FORMAT} naming what does not match.
     */
    public static Superblock decode(final ByteBuffer buffer, final Path file, final long fileLength)
    {
        final ByteBuffer b = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (b.limit() < LENGTH)
        {
            throw format(file, "it is %d bytes long, shorter than a superblock (%d bytes)", fileLength, LENGTH);
        }
        final long magic = b.getLong(MAGIC_OFFSET);
        if (magic != MAGIC)
        {
            throw format(file, "it is not a rawcache file (magic 0x%016x, expected 0x%016x)", magic, MAGIC);
        }
        final int version = b.getInt(VERSION_OFFSET);
        if (version != FORMAT_VERSION)
        {
            throw format(file, "format version %d is not supported; this build reads version %d", version,
                FORMAT_VERSION);
        }
        final int storedChecksum = b.getInt(CHECKSUM_OFFSET);
        final int actualChecksum = checksum(b);
        if (storedChecksum != actualChecksum)
        {
            throw format(file, "superblock checksum mismatch (stored 0x%08x, computed 0x%08x): the superblock is " +
                "damaged", storedChecksum, actualChecksum);
        }
        final Superblock superblock = new Superblock(b.getInt(BLOCK_SIZE_OFFSET), b.getLong(BLOCK_COUNT_OFFSET),
            b.getLong(CREATION_ID_OFFSET), b.getLong(CREATED_AT_OFFSET), b.getLong(DATA_START_OFFSET),
            b.getLong(DATA_COUNT_OFFSET));
        if (superblock.dataStartBlock < 1 || superblock.dataBlockCount < 1 ||
            superblock.dataStartBlock + superblock.dataBlockCount > superblock.blockCount)
        {
            throw format(file, "data region %d+%d does not fit in %d blocks", superblock.dataStartBlock,
                superblock.dataBlockCount, superblock.blockCount);
        }
        if (fileLength < superblock.fileLength())
        {
            throw format(file, "it is %d bytes long but its superblock says %d blocks of %d bytes (%d bytes): the " +
                "file was truncated", fileLength, superblock.blockCount, superblock.blockSize, superblock.fileLength());
        }
        return superblock;
    }

    private static int checksum(final ByteBuffer buffer)
    {
        final CRC32C crc = new CRC32C();
        crc.update(buffer.duplicate().position(0).limit(CHECKSUM_OFFSET));
        return (int)crc.getValue();
    }

    private static CacheIoException format(final Path file, final String template, final Object... args)
    {
        return new CacheIoException(CacheIoException.Reason.FORMAT,
            "refusing to open " + file + ": " + String.format(template, args));
    }
}
