package dev.rawcache.recovery;

import dev.rawcache.index.Entry;
import dev.rawcache.io.block.ExtentList;
import dev.rawcache.io.file.CacheFile;
import dev.rawcache.journal.EntryRecord;
import dev.rawcache.journal.Journal;
import dev.rawcache.journal.JournalDescriptor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

import static dev.rawcache.recovery.CheckpointDescriptor.*;

/**
 * Writes checkpoints: the whole index, least recently used first, so that a restart loads it in one sequential read
 * and replays only the journal written since.
 * <p>
 * <b>The choice.</b> A checkpoint lives in ordinary data blocks taken from the allocator, not in a fixed region, so
 * it grows with the number of entries and costs nothing when the cache is small; its blocks are listed in a pointer
 * in one of two fixed slots. Writing one: note the journal's end under the index lock (an instant), gather the
 * entries without the lock and sort them by recency stamp, stream the records into blocks set aside for it while
 * stores and lookups go on, write out the journal and {@code fdatasync}, then write the pointer into the slot that
 * does not hold the newest checkpoint and sync again. Only then are the blocks of the checkpoint it replaced freed, so a restart can always fall back to the
 * previous checkpoint if the newest one turns out damaged; the journal keeps records back to the older one.
 * <p>
 * <b>Why the snapshot is good enough.</b> The cache appends journal records while holding the index lock, so every
 * record before the replay LSN (read under that lock) is reflected in the map when the gathering starts. Whatever the
 * gathering sees or misses of later changes is in the journal after the replay LSN, and replay is idempotent: a store
 * record puts its entry by key, a remove record removes only the entry of its sequence. Entries evicted to make room
 * for the checkpoint itself have their remove records written before the pointer. No store waits for the snapshot,
 * whatever the number of entries.
 * <p>
 * Thread-safe: checkpoints are serialised on this object.
 */
public final class Checkpointer
{
    private static final int CHUNK = 1 << 20;

    private final CacheFile file;
    private final long creationId;
    private final Journal journal;
    private final CheckpointHost host;
    private final int blockSize;
    private final boolean sync;
    private CheckpointPointer newest;
    private CheckpointPointer older;
    private ExtentList spare;
    private long checkpoints;

    /**
     * A checkpointer that goes on from what recovery found.
     *
     * @param file       the cache file.
     * @param creationId the file's creation id.
     * @param journal    the journal, flushed before each pointer is written.
     * @param host       the cache.
     * @param newest     the newest good checkpoint's pointer.
     * @param older      the previous checkpoint's pointer, still kept as a fallback, or null.
     * @param sync       whether to {@code fdatasync} before and after writing each pointer, so that a checkpoint
     *                   survives an OS crash; false for {@code Durability.none()}, whose promise covers process
     *                   crashes only (the page cache keeps the order then), except for the last checkpoint.
     */
    public Checkpointer(final CacheFile file, final long creationId, final Journal journal, final CheckpointHost host,
                        final CheckpointPointer newest, final CheckpointPointer older, final boolean sync)
    {
        this.sync = sync;
        this.file = file;
        this.creationId = creationId;
        this.journal = journal;
        this.host = host;
        this.blockSize = file.blockSize();
        this.newest = newest;
        this.older = older;
    }

    /**
     * Writes a checkpoint of the index as it is now and makes it the newest.
     *
     * @param last true for the checkpoint of a clean close: no spare is set aside after it, since setting one aside
     *             could evict entries the checkpoint has just recorded.
     * @return the new checkpoint's pointer.
     * @throws IOException when writing fails; nothing changes then.
     */
    public synchronized CheckpointPointer checkpoint(final boolean last) throws IOException
    {
        final CheckpointHost.Snapshot snapshot = host.snapshot();
        long length = CHECKPOINT_HEADER_LENGTH;
        for (final Entry entry : snapshot.entries())
        {
            length += EntryRecord.length(entry);
        }
        final long blocks = (length + blockSize - 1) / blockSize;
        final ExtentList extents;
        if (spare != null && spare.blockCount() >= blocks)
        {
            extents = spare;
        }
        else
        {
            if (spare != null)
            {
                host.free(spare);
            }
            extents = host.allocate(blocks, maxPointerExtents(blockSize));
        }
        spare = null;
        final int slot = newest == null ? 0 : 1 - newest.slot();
        final long sequence = (newest == null ? 0 : newest.sequence()) + 1;
        final CheckpointPointer pointer;
        try
        {
            final int crc = write(snapshot, sequence, extents);
            journal.flush(false);
            if (sync || last)
            {
                file.force();
            }
            pointer = new CheckpointPointer(slot, sequence, snapshot.replayLsn(), length, crc, extents);
            file.writeAt(pointerOffset(slot, blockSize), pointer.encode(blockSize, creationId));
            if (sync || last)
            {
                file.force();
            }
        }
        catch (final IOException | RuntimeException | Error e)
        {
            host.free(extents);
            throw e;
        }
        final CheckpointPointer replaced = older != null && older.slot() == slot ? older : null;
        older = newest != null && newest.slot() != slot ? newest : null;
        newest = pointer;
        if (replaced != null)
        {
            host.free(replaced.extents());
        }
        journal.checkpointed(older != null ? older.replayLsn() : newest.replayLsn(), newest.replayLsn());
        checkpoints++;
        if (!last)
        {
            reserveSpare(blocks, true);
        }
        return pointer;
    }

    /**
     * Sets aside blocks for the next checkpoint (a quarter more than {@code blocks}, for growth), so that it never has
     * to evict entries to be written: above all the checkpoint of a clean close, which must keep every entry. Stores
     * count them as used. A restart finds them free again (no pointer names them) and sets them aside anew.
     *
     * @param blocks the size of the last (or the estimated) checkpoint, in blocks.
     * @param evict  whether entries may be evicted for it; when false (right after a restart, when the blocks the
     *               previous run set aside are free again) it takes what the free space holds, or nothing.
     */
    public synchronized void reserveSpare(final long blocks, final boolean evict)
    {
        if (spare != null)
        {
            return;
        }
        final long wanted = blocks + blocks / 4 + 2;
        final int maxExtents = maxPointerExtents(blockSize);
        try
        {
            spare = evict ? host.allocate(wanted, maxExtents) : host.allocateFree(wanted, maxExtents);
            if (spare == null && !evict)
            {
                spare = host.allocateFree(blocks, maxExtents);
            }
        }
        catch (final RuntimeException e)
        {
            spare = null;
        }
    }

    /**
     * Blocks a checkpoint of {@code entries} would take, to size the first spare after a restart.
     *
     * @param entries the entries.
     * @param blockSize the block size.
     * @return the block count.
     */
    public static long blocksFor(final Iterable<Entry> entries, final int blockSize)
    {
        long length = CHECKPOINT_HEADER_LENGTH;
        for (final Entry entry : entries)
        {
            length += EntryRecord.length(entry);
        }
        return (length + blockSize - 1) / blockSize;
    }

    /**
     * The newest checkpoint's pointer.
     *
     * @return the pointer.
     */
    public synchronized CheckpointPointer newest()
    {
        return newest;
    }

    /**
     * Blocks held by the checkpoints kept (the newest and its fallback).
     *
     * @return the block count.
     */
    public synchronized long blocksHeld()
    {
        return (newest == null ? 0 : newest.extents().blockCount()) +
            (older == null ? 0 : older.extents().blockCount()) + (spare == null ? 0 : spare.blockCount());
    }

    /**
     * How many checkpoints this checkpointer wrote.
     *
     * @return the count.
     */
    public synchronized long checkpoints()
    {
        return checkpoints;
    }

    /**
     * Writes the empty checkpoint of a newly formatted file: slot 0 points at nothing and replays from LSN 0; slot 1
     * is cleared.
     *
     * @param file       the cache file.
     * @param creationId the file's creation id.
     * @return the pointer written.
     * @throws IOException when writing fails.
     */
    public static CheckpointPointer initialize(final CacheFile file, final long creationId) throws IOException
    {
        final int blockSize = file.blockSize();
        final CheckpointPointer empty = new CheckpointPointer(0, 0, 0, 0, 0, ExtentList.empty());
        file.writeAt(pointerOffset(0, blockSize), empty.encode(blockSize, creationId));
        file.writeAt(pointerOffset(1, blockSize), ByteBuffer.allocate(blockSize));
        file.writeAt(CheckpointDescriptor.ringOffset(blockSize), ByteBuffer.allocate(blockSize));
        file.force();
        return empty;
    }

    private int write(final CheckpointHost.Snapshot snapshot, final long sequence, final ExtentList extents)
        throws IOException
    {
        final CRC32C crc = JournalDescriptor.seeded(creationId);
        final ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        chunk.putLong(CHECKPOINT_MAGIC).putInt(VERSION).putInt(0).putLong(sequence).putLong(snapshot.replayLsn())
            .putLong(snapshot.nextSequence()).putLong(snapshot.entries().length).putLong(0).putLong(0);
        long offset = 0;
        for (final Entry entry : snapshot.entries())
        {
            if (chunk.remaining() < EntryRecord.length(entry))
            {
                offset += writeChunk(chunk, extents, offset, crc);
            }
            EntryRecord.encode(entry, chunk);
        }
        writeChunk(chunk, extents, offset, crc);
        return (int)crc.getValue();
    }

    private long writeChunk(final ByteBuffer chunk, final ExtentList extents, final long offset, final CRC32C crc)
        throws IOException
    {
        chunk.flip();
        final int n = chunk.remaining();
        crc.update(chunk.duplicate());
        file.write(extents, offset, chunk);
        chunk.clear();
        return n;
    }
}
