package dev.rawcache.io.file;

import dev.rawcache.io.CacheIoException;
import dev.rawcache.io.ChannelHolder;
import dev.rawcache.io.Checks;
import dev.rawcache.io.Closeables;
import dev.rawcache.io.PositionalIo;
import dev.rawcache.io.block.ExtentList;
import dev.rawcache.io.mmap.MappedRegion;
import dev.rawcache.io.mmap.MappedView;
import dev.rawcache.io.transfer.TransferChannel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.security.SecureRandom;

/**
 * The preallocated cache file: a superblock in block 0, then fixed-size blocks that the cache hands out as extents.
 * It owns the file's {@link FileChannel}, its {@link CacheFileLock} and its read-only {@link MappedRegion}.
 * <p>
 * Entry bytes are addressed as a logical stream laid over an {@link ExtentList}; this class turns stream offsets
 * into file offsets and does the positional reads, writes, transfers and mapped views. It knows nothing of keys.
 * <p>
 * A new file gets real blocks ({@link Preallocator}); an existing one is checked against its superblock and refused
 * with a {@link CacheIoException} of reason {@code FORMAT} on any mismatch, unless the caller asked for a reformat.
 * rawcache never truncates the file.
 * <p>
 * A thread interrupted during I/O makes the JDK close the channel for everyone; this class then reopens it, so one
 * cancelled request does not take the cache down (see {@link ChannelHolder}). The exclusive lock lives on a separate
 * lock file ({@link CacheFileLock}), which such closes and reopens cannot drop.
 * <p>
 * Thread-safe: reads, writes and transfers at different offsets may run concurrently; {@link #close()} runs once.
 */
public final class CacheFile implements AutoCloseable
{
    /** The fewest blocks a cache file may have: the superblock plus a handful of data blocks. */
    public static final long MIN_BLOCKS = 16;
    /** The fewest data blocks a cache file may have. */
    public static final long MIN_DATA_BLOCKS = 8;
    /** The smallest block size. */
    public static final int MIN_BLOCK_SIZE = 512;
    /** The largest block size. */
    public static final int MAX_BLOCK_SIZE = 1 << 20;

    private final Path path;
    private final Holder holder = new Holder();
    private final CacheFileLock lock;
    private final String readDescription;
    private volatile FileChannel channel;
    private final Superblock superblock;
    private final MappedRegion mapping;
    private final boolean created;
    private volatile boolean closed;

    private CacheFile(final Path path, final FileChannel channel, final CacheFileLock lock, final Superblock superblock,
                      final MappedRegion mapping, final boolean created)
    {
        this.path = path;
        this.channel = channel;
        this.lock = lock;
        this.readDescription = "an entry of " + path;
        this.superblock = superblock;
        if (mapping != null)
        {
            // Open views may outlive close(): hold the lock until the mapping is gone, or another cache could
            // reuse the blocks they show.
            mapping.onUnmapped(lock::close);
        }
        this.mapping = mapping;
        this.created = created;
    }

    /**
     * How a cache file is to be opened.
     *
     * @param blockSize        bytes per block: a power of two from {@link #MIN_BLOCK_SIZE} to {@link #MAX_BLOCK_SIZE}.
     * @param blockCount       blocks in the file, superblock included: at least {@link #MIN_BLOCKS}.
     * @param metadataBlocks   blocks reserved after the superblock for metadata, before the data region.
     * @param reformat         whether an existing file that does not match (foreign, damaged, other geometry)
     *                         may be formatted anew; when false it is refused.
     * @param map              whether to map the file for zero-copy reads.
     */
    public record Options(int blockSize, long blockCount, long metadataBlocks, boolean reformat, boolean map)
    {
        /**
         * Checks the values.
         *
         * @param blockSize      bytes per block.
         * @param blockCount     blocks in the file.
         * @param metadataBlocks reserved metadata blocks.
         * @param reformat       whether a mismatching file may be reformatted.
         * @param map            whether to map the file.
         */
        public Options
        {
            Checks.requireArgument(Checks.isPowerOfTwo(blockSize) && blockSize >= MIN_BLOCK_SIZE &&
                blockSize <= MAX_BLOCK_SIZE, "block size %d must be a power of two from %d to %d", blockSize,
                MIN_BLOCK_SIZE, MAX_BLOCK_SIZE);
            Checks.requireArgument(metadataBlocks >= 0, "metadata blocks %d must not be negative", metadataBlocks);
            final long minimum = Math.max(MIN_BLOCKS, 1 + metadataBlocks + MIN_DATA_BLOCKS);
            Checks.requireArgument(blockCount >= minimum,
                "capacity of %d blocks of %d bytes (%d bytes) is too small: the minimum is %d blocks (%d bytes)",
                blockCount, blockSize, blockCount * blockSize, minimum, minimum * blockSize);
            Checks.requireArgument(blockCount <= ExtentList.MAX_BLOCK_INDEX,
                "capacity of %d blocks is too large: the limit is %d blocks", blockCount, ExtentList.MAX_BLOCK_INDEX);
        }
    }

    /**
     * Opens the cache file at {@code path}, creating and preallocating it if it does not exist.
     *
     * @param path    the file.
     * @param options geometry and policy.
     * @return the open file, holding its exclusive {@link CacheFileLock}.
     * @throws CacheIoException {@code FORMAT} for a foreign or mismatching file, {@code LOCKED} when another cache
     *                          holds it, {@code NO_SPACE} when preallocation finds the disk full, {@code IO} otherwise.
     */
    public static CacheFile open(final Path path, final Options options)
    {
        final CacheFileLock lock = CacheFileLock.acquire(path);
        try
        {
            final Path file = lock.cacheFile();
            return Files.exists(file) ? openExisting(file, options, lock) : create(file, options, lock);
        }
        catch (final RuntimeException | Error e)
        {
            try
            {
                lock.close();
            }
            catch (final RuntimeException suppressed)
            {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private static CacheFile openExisting(final Path file, final Options options, final CacheFileLock lock)
    {
        FileChannel channel = null;
        try
        {
            channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
            final long length = channel.size();
            Superblock superblock;
            boolean formatted = false;
            try
            {
                superblock = readSuperblock(channel, file, length);
                checkGeometry(superblock, options, file);
            }
            catch (final CacheIoException e)
            {
                if (!options.reformat() || e.reason() != CacheIoException.Reason.FORMAT)
                {
                    throw e;
                }
                superblock = format(file, channel, options, length);
                formatted = true;
            }
            return new CacheFile(file, channel, lock, superblock, map(channel, superblock, options), formatted);
        }
        catch (final IOException e)
        {
            Closeables.closeAll(channel);
            throw new CacheIoException(CacheIoException.Reason.IO, "cannot open " + file + ": " + e.getMessage(), e);
        }
        catch (final RuntimeException | Error e)
        {
            Closeables.closeAll(channel);
            throw e;
        }
    }

    /**
     * Reads and checks the superblock of a cache file without opening it for writing or locking it, as a tool that
     * inspects a running cache does.
     *
     * @param path the file.
     * @return its superblock.
     * @throws CacheIoException {@code FORMAT} for a foreign or damaged file, {@code IO} when it cannot be read.
     */
    public static Superblock readSuperblock(final Path path)
    {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ))
        {
            return readSuperblock(channel, path, channel.size());
        }
        catch (final IOException e)
        {
            throw new CacheIoException(CacheIoException.Reason.IO, "cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    private static CacheFile create(final Path file, final Options options, final CacheFileLock lock)
    {
        FileChannel channel = null;
        boolean done = false;
        try
        {
            final Path parent = file.getParent();
            if (parent != null)
            {
                Files.createDirectories(parent);
                final long needed = (long)options.blockSize() * options.blockCount();
                final long usable = Files.getFileStore(parent).getUsableSpace();
                if (usable < needed)
                {
                    throw new CacheIoException(CacheIoException.Reason.NO_SPACE, String.format(
                        "cannot create %s: it needs %d bytes and the file system has %d usable", file, needed, usable));
                }
            }
            channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
            final Superblock superblock = format(file, channel, options, 0);
            final CacheFile cacheFile = new CacheFile(file, channel, lock, superblock,
                map(channel, superblock, options), true);
            done = true;
            return cacheFile;
        }
        catch (final IOException e)
        {
            throw new CacheIoException(CacheIoException.Reason.IO, "cannot create " + file + ": " + e.getMessage(), e);
        }
        finally
        {
            if (!done)
            {
                try
                {
                    Closeables.closeAll(channel);
                }
                catch (final RuntimeException ignored)
                {
                    // the creation failure is what the caller needs to see
                }
                if (channel != null)
                {
                    try
                    {
                        Files.deleteIfExists(file);
                    }
                    catch (final IOException ignored)
                    {
                        // best effort: a partial file is removed where the file system lets us
                    }
                }
            }
        }
    }

    private static Superblock format(final Path file, final FileChannel channel, final Options options,
                                     final long currentLength) throws IOException
    {
        final Superblock superblock = new Superblock(options.blockSize(), options.blockCount(),
            new SecureRandom().nextLong(), System.currentTimeMillis(), 1 + options.metadataBlocks(),
            options.blockCount() - 1 - options.metadataBlocks());
        final long length = superblock.fileLength();
        if (currentLength < length)
        {
            Preallocator.preallocate(file, channel, currentLength, length - currentLength);
        }
        PositionalIo.writeFully(channel, superblock.encode(), 0);
        channel.force(true);
        return superblock;
    }

    private static Superblock readSuperblock(final FileChannel channel, final Path file, final long length)
        throws IOException
    {
        final ByteBuffer buffer = ByteBuffer.allocate((int)Math.min(length, SuperblockDescriptor.LENGTH));
        PositionalIo.readFully(channel, buffer, 0, "the superblock of " + file);
        return Superblock.decode(buffer.flip(), file, length);
    }

    private static void checkGeometry(final Superblock superblock, final Options options, final Path file)
    {
        if (superblock.blockSize() != options.blockSize() || superblock.blockCount() != options.blockCount() ||
            superblock.dataStartBlock() != 1 + options.metadataBlocks())
        {
            throw new CacheIoException(CacheIoException.Reason.FORMAT, String.format(
                "refusing to open %s: it was formatted with %d blocks of %d bytes (%d bytes, data from block %d) but " +
                "the configuration asks for %d blocks of %d bytes (%d bytes, data from block %d); configure the " +
                "file's geometry, or ask for a reformat to discard its contents",
                file, superblock.blockCount(), superblock.blockSize(), superblock.fileLength(),
                superblock.dataStartBlock(), options.blockCount(), options.blockSize(),
                options.blockCount() * options.blockSize(), 1 + options.metadataBlocks()));
        }
    }

    private static MappedRegion map(final FileChannel channel, final Superblock superblock, final Options options)
    {
        if (!options.map())
        {
            return null;
        }
        try
        {
            return MappedRegion.map(channel, superblock.fileLength());
        }
        catch (final IOException | UnsupportedOperationException e)
        {
            return null;
        }
    }

    /**
     * The file's absolute path.
     *
     * @return the path.
     */
    public Path path()
    {
        return path;
    }

    /**
     * The checked superblock.
     *
     * @return geometry and identity of the file.
     */
    public Superblock superblock()
    {
        return superblock;
    }

    /**
     * Bytes per block.
     *
     * @return the block size.
     */
    public int blockSize()
    {
        return superblock.blockSize();
    }

    /**
     * Whether this open created (or reformatted) the file.
     *
     * @return true when the file was new.
     */
    public boolean created()
    {
        return created;
    }

    /**
     * The read-only mapping of the whole file, or null when mapping was not asked for or not possible.
     *
     * @return the mapping or null.
     */
    public MappedRegion mapping()
    {
        return mapping;
    }

    /**
     * Reads {@code dst.remaining()} bytes of the stream laid over {@code extents}, from {@code streamOffset}.
     *
     * @param extents      the extents holding the stream.
     * @param streamOffset the stream offset of the first byte.
     * @param dst          the buffer to fill.
     * @throws IOException when a read fails or the stream is shorter than asked.
     */
    public void read(final ExtentList extents, final long streamOffset, final ByteBuffer dst) throws IOException
    {
        final int savedLimit = dst.limit();
        try
        {
            forEachPiece(extents, streamOffset, dst.remaining(), (fileOffset, n) ->
            {
                dst.limit(dst.position() + (int)n);
                PositionalIo.readFully(holder, dst, fileOffset, readDescription);
                return n;
            });
        }
        finally
        {
            dst.limit(savedLimit);
        }
    }

    /**
     * Writes {@code src.remaining()} bytes into the stream laid over {@code extents}, from {@code streamOffset}.
     *
     * @param extents      the extents holding the stream.
     * @param streamOffset the stream offset of the first byte.
     * @param src          the bytes to write.
     * @throws IOException when a write fails or the extents are too short.
     */
    public void write(final ExtentList extents, final long streamOffset, final ByteBuffer src) throws IOException
    {
        final int savedLimit = src.limit();
        try
        {
            forEachPiece(extents, streamOffset, src.remaining(), (fileOffset, n) ->
            {
                src.limit(src.position() + (int)n);
                PositionalIo.writeFully(holder, src, fileOffset);
                return n;
            });
        }
        finally
        {
            src.limit(savedLimit);
        }
    }

    /**
     * Sends {@code length} bytes of the stream laid over {@code extents}, from {@code streamOffset}, to
     * {@code target} through {@link TransferChannel}, so a socket gets them by {@code sendfile}.
     *
     * @param extents      the extents holding the stream.
     * @param streamOffset the stream offset of the first byte.
     * @param length       how many bytes to send.
     * @param target       the channel to send to.
     * @return the bytes sent: {@code length}, or fewer when the target would take no more.
     * @throws IOException when a transfer fails.
     */
    public long transferTo(final ExtentList extents, final long streamOffset, final long length,
                           final WritableByteChannel target) throws IOException
    {
        return forEachPiece(extents, streamOffset, length,
            (fileOffset, n) -> TransferChannel.transferFully(holder, fileOffset, n, target));
    }

    /**
     * The file offsets and lengths of the pieces of {@code [streamOffset, streamOffset + length)} of the stream laid
     * over {@code extents}, one piece per extent touched.
     *
     * @param extents      the extents holding the stream.
     * @param streamOffset the stream offset of the first byte.
     * @param length       how many bytes.
     * @return two arrays: {@code [0]} the file offsets, {@code [1]} the lengths.
     */
    public long[][] pieces(final ExtentList extents, final long streamOffset, final long length)
    {
        final long[] offsets = new long[extents.size()];
        final long[] lengths = new long[extents.size()];
        final int[] count = new int[1];
        try
        {
            forEachPiece(extents, streamOffset, length, (fileOffset, n) ->
            {
                offsets[count[0]] = fileOffset;
                lengths[count[0]++] = n;
                return n;
            });
        }
        catch (final IOException e)
        {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return new long[][]{Arrays.copyOf(offsets, count[0]), Arrays.copyOf(lengths, count[0])};
    }

    /**
     * Reads {@code dst.remaining()} bytes at a file offset, for the metadata region.
     *
     * @param fileOffset the offset of the first byte.
     * @param dst        the buffer to fill.
     * @throws IOException when the read fails or the file ends first.
     */
    public void readAt(final long fileOffset, final ByteBuffer dst) throws IOException
    {
        PositionalIo.readFully(holder, dst, fileOffset, "metadata of " + path);
    }

    /**
     * Writes {@code src.remaining()} bytes at a file offset, for the metadata region.
     *
     * @param fileOffset the offset of the first byte.
     * @param src        the bytes to write.
     * @throws IOException when the write fails.
     */
    public void writeAt(final long fileOffset, final ByteBuffer src) throws IOException
    {
        PositionalIo.writeFully(holder, src, fileOffset);
    }

    /**
     * The file's current length, to tell a file shrunk under the cache.
     *
     * @return bytes.
     * @throws IOException when the size cannot be read.
     */
    public long currentLength() throws IOException
    {
        while (true)
        {
            final FileChannel current = channel;
            try
            {
                return current.size();
            }
            catch (final java.nio.channels.ClosedChannelException e)
            {
                PositionalIo.recover(holder, current, e);
            }
        }
    }

    /**
     * Opens a pinned zero-copy view of {@code [streamOffset, streamOffset + length)} of the stream over
     * {@code extents}.
     *
     * @param extents      the extents holding the stream.
     * @param streamOffset the stream offset of the first byte.
     * @param length       how many bytes.
     * @param onInvalidated what to run once the view can no longer show these bytes (see {@link MappedView}).
     * @return the view, or null when the file is not mapped or is closing.
     */
    public MappedView openView(final ExtentList extents, final long streamOffset, final long length,
                               final Runnable onInvalidated)
    {
        if (mapping == null)
        {
            return null;
        }
        final long[][] pieces = pieces(extents, streamOffset, length);
        return mapping.openView(pieces[0], pieces[1], onInvalidated);
    }

    /**
     * Flushes written data to the device.
     *
     * @throws IOException when the flush fails.
     */
    public void force() throws IOException
    {
        while (true)
        {
            final FileChannel current = channel;
            try
            {
                current.force(false);
                return;
            }
            catch (final java.nio.channels.ClosedChannelException e)
            {
                PositionalIo.recover(holder, current, e);
            }
        }
    }

    /**
     * Whether {@link #close()} has been called.
     *
     * @return true once closed.
     */
    public boolean isClosed()
    {
        return closed;
    }

    /**
     * Closes the channel; the mapping and the lock go once the last view is closed (at once when there is none).
     * Idempotent.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        synchronized (this)
        {
            if (closed)
            {
                return;
            }
            closed = true;
        }
        Closeables.closeAll(channel, mapping == null ? lock : mapping);
    }

    /**
     * Reopens the channel after an interrupt closed it, and takes the file lock again.
     */
    private final class Holder implements ChannelHolder
    {
        @Override
        public FileChannel channel()
        {
            return channel;
        }

        @Override
        public boolean reopen(final FileChannel broken, final IOException cause) throws IOException
        {
            synchronized (CacheFile.this)
            {
                if (closed)
                {
                    return false;
                }
                if (channel != broken && channel.isOpen())
                {
                    return true;
                }
                final FileChannel fresh = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
                channel = fresh;
                return true;
            }
        }
    }

    /**
     * One contiguous piece of a stream: {@code n} bytes at {@code fileOffset}.
     */
    @FunctionalInterface
    private interface PieceAction
    {
        long apply(long fileOffset, long n) throws IOException;
    }

    /**
     * Walks the pieces of {@code [streamOffset, streamOffset + length)} of the stream laid over {@code extents}, one
     * per extent touched, in order; stops early when an action does fewer bytes than its piece.
     *
     * @return the bytes the actions did.
     */
    private long forEachPiece(final ExtentList extents, final long streamOffset, final long length,
                              final PieceAction action) throws IOException
    {
        final long blockSize = blockSize();
        long skip = streamOffset;
        long remaining = length;
        long done = 0;
        for (int i = 0; i < extents.size() && remaining > 0; i++)
        {
            final long extentBytes = extents.count(i) * blockSize;
            if (skip >= extentBytes)
            {
                skip -= extentBytes;
                continue;
            }
            final long n = Math.min(remaining, extentBytes - skip);
            final long did = action.apply(extents.firstBlock(i) * blockSize + skip, n);
            done += did;
            remaining -= did;
            if (did < n)
            {
                return done;
            }
            skip = 0;
        }
        if (remaining > 0)
        {
            throw new java.io.EOFException(String.format(
                "extents %s of %s hold %d bytes; the access at stream offset %d ran %d bytes past them", extents, path,
                extents.blockCount() * blockSize, streamOffset, remaining));
        }
        return done;
    }
}
