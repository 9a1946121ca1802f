package dev.rawcache.recovery;

import dev.rawcache.format.EntryHeader;
import dev.rawcache.format.EntryHeaderDescriptor;
import dev.rawcache.index.Entry;
import dev.rawcache.io.block.ExtentList;
import dev.rawcache.io.file.CacheFile;
import dev.rawcache.io.file.Superblock;
import dev.rawcache.journal.EntryRecord;
import dev.rawcache.journal.JournalDescriptor;
import dev.rawcache.journal.JournalReader;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.zip.CRC32C;

import static dev.rawcache.recovery.CheckpointDescriptor.*;

/**
 * Rebuilds the index of an existing cache file from its newest good checkpoint and the journal written since,
 * without reading the entries themselves.
 * <p>
 * <b>Order of trust.</b> The pointer with the highest sequence whose own CRC, and whose checkpoint's CRC, both hold is
 * loaded; a damaged one falls back to the other slot. The journal is replayed from that checkpoint's replay LSN until
 * the first record that is not the expected one (a torn tail ends the log there). If no checkpoint can be loaded at
 * all, the data region is scanned for intact entry headers instead (slow: it reads every block, but it opens).
 * <p>
 * <b>Ownership.</b> Recovered entries then claim their blocks, newest sequence first, after the kept checkpoints;
 * an entry that finds a block already claimed (only damage or a lost remove record can cause that) is dropped, so no
 * block ever has two owners. The blocks nobody claimed are free.
 * <p>
 * Recovered entries are not verified: their checksums are checked on first read, as the cache always does for
 * entries it did not write itself.
 * <p>
 * Not thread-safe; run once, before the cache serves anything.
 */
public final class Recovery
{
    /**
     * What recovery found.
     *
     * @param entries            the live entries, least recently used first.
     * @param used               the data-region blocks owned (bit {@code b - dataStart}), entries and checkpoints.
     * @param nextSequence       the next store sequence to hand out.
     * @param endLsn             where the journal ends: appending goes on here.
     * @param newest             the pointer of the checkpoint loaded, or null after a scan.
     * @param older              the previous checkpoint, kept as a fallback, or null.
     * @param corruptCheckpoints checkpoints (or pointers) found damaged.
     * @param journalRecords     journal records replayed.
     * @param droppedEntries     entries dropped because a block they named was already owned or out of range.
     * @param scanned            whether the data region was scanned because no checkpoint could be loaded.
     */
    public record Result(List<Entry> entries, BitSet used, long nextSequence, long endLsn, CheckpointPointer newest,
                         CheckpointPointer older, int corruptCheckpoints, long journalRecords, long droppedEntries,
                         boolean scanned)
    {
    }

    private final CacheFile file;
    private final Superblock superblock;
    private final long creationId;
    private final int blockSize;
    private long loadedNextSequence;

    /**
     * A recovery of one file.
     *
     * @param file the open cache file.
     */
    public Recovery(final CacheFile file)
    {
        this.file = file;
        this.superblock = file.superblock();
        this.creationId = superblock.creationId();
        this.blockSize = superblock.blockSize();
    }

    /**
     * Runs the recovery.
     *
     * @return what it found.
     * @throws IOException when reading the file fails.
     */
    public Result run() throws IOException
    {
        final CheckpointPointer[] pointers = {readPointer(0), readPointer(1)};
        int corrupt = 0;
        final List<CheckpointPointer> candidates = new ArrayList<>();
        for (final CheckpointPointer pointer : pointers)
        {
            if (pointer != null)
            {
                candidates.add(pointer);
            }
        }
        candidates.sort(Comparator.comparingLong(CheckpointPointer::sequence).reversed());
        corrupt += pointers.length - candidates.size();

        LinkedHashMap<String, Entry> live = null;
        CheckpointPointer loaded = null;
        long nextSequence = 0;
        for (final CheckpointPointer candidate : candidates)
        {
            final LinkedHashMap<String, Entry> entries = load(candidate);
            if (entries != null)
            {
                live = entries;
                loaded = candidate;
                nextSequence = loadedNextSequence;
                break;
            }
            corrupt++;
        }
        if (loaded == null)
        {
            return scan(corrupt);
        }

        final long ringBytes = (superblock.dataStartBlock() - 1 - POINTER_SLOTS) * (long)blockSize;
        final JournalReader reader = new JournalReader(file, ringOffset(blockSize), ringBytes, creationId);
        final LinkedHashMap<String, Entry> replayed = live;
        final long[] maxSequence = {nextSequence - 1};
        final long endLsn = reader.replay(loaded.replayLsn(), new JournalReader.Visitor()
        {
            @Override
            public void store(final Entry entry)
            {
                replayed.remove(entry.key());
                replayed.put(entry.key(), entry);
                maxSequence[0] = Math.max(maxSequence[0], entry.sequence());
            }

            @Override
            public void remove(final long sequence, final String key)
            {
                final Entry current = replayed.get(key);
                if (current != null && current.sequence() == sequence)
                {
                    replayed.remove(key);
                }
            }
        });

        CheckpointPointer older = null;
        for (final CheckpointPointer candidate : candidates)
        {
            if (candidate != loaded && candidate.sequence() < loaded.sequence())
            {
                older = candidate;
            }
        }
        final BitSet used = new BitSet();
        claim(loaded.extents(), used);
        if (older != null && !claim(older.extents(), used))
        {
            older = null;
        }
        final long before = replayed.size();
        final List<Entry> entries = claimEntries(replayed, used);
        return new Result(entries, used, maxSequence[0] + 1, endLsn, loaded, older, corrupt, reader.records(),
            before - entries.size(), false);
    }

    private CheckpointPointer readPointer(final int slot) throws IOException
    {
        final ByteBuffer block = ByteBuffer.allocate(blockSize);
        file.readAt(pointerOffset(slot, blockSize), block);
        return CheckpointPointer.decode(block.flip(), slot, creationId);
    }

    /**
     * Loads a checkpoint, least recently used entry first, and sets {@link #loadedNextSequence}; null when the
     * checkpoint is damaged.
     */
    private LinkedHashMap<String, Entry> load(final CheckpointPointer pointer) throws IOException
    {
        if (pointer.length() == 0)
        {
            loadedNextSequence = 1;
            return pointer.extents().size() == 0 ? new LinkedHashMap<>() : null;
        }
        if (pointer.length() < CHECKPOINT_HEADER_LENGTH || pointer.length() > Integer.MAX_VALUE - 8 ||
            pointer.length() > pointer.extents().blockCount() * blockSize || !inDataRegion(pointer.extents()))
        {
            return null;
        }
        final ByteBuffer bytes = ByteBuffer.allocateDirect((int)pointer.length()).order(ByteOrder.LITTLE_ENDIAN);
        file.read(pointer.extents(), 0, bytes);
        bytes.flip();
        final CRC32C crc = JournalDescriptor.seeded(creationId);
        crc.update(bytes.duplicate());
        if ((int)crc.getValue() != pointer.checkpointCrc() ||
            bytes.getLong(CHECKPOINT_MAGIC_OFFSET) != CHECKPOINT_MAGIC ||
            bytes.getInt(CHECKPOINT_VERSION_OFFSET) != VERSION ||
            bytes.getLong(CHECKPOINT_SEQUENCE_OFFSET) != pointer.sequence() ||
            bytes.getLong(CHECKPOINT_REPLAY_LSN_OFFSET) != pointer.replayLsn())
        {
            return null;
        }
        final long count = bytes.getLong(CHECKPOINT_ENTRY_COUNT_OFFSET);
        if (count < 0 || count > pointer.length() / EntryRecord.EXTENTS_OFFSET)
        {
            return null;
        }
        final LinkedHashMap<String, Entry> entries = LinkedHashMap.newLinkedHashMap((int)count + 1024);
        bytes.position(CHECKPOINT_HEADER_LENGTH);
        for (long i = 0; i < count; i++)
        {
            final Entry entry = EntryRecord.decode(bytes, bytes.remaining());
            if (entry == null)
            {
                return null;
            }
            entries.put(entry.key(), entry);
        }
        loadedNextSequence = bytes.getLong(CHECKPOINT_NEXT_SEQUENCE_OFFSET);
        return entries;
    }

    private List<Entry> claimEntries(final LinkedHashMap<String, Entry> live, final BitSet used)
    {
        // Fast path: no two entries claim a block (the normal case), so recency order will do.
        final BitSet before = (BitSet)used.clone();
        final List<Entry> inOrder = new ArrayList<>(live.size());
        boolean conflict = false;
        for (final Entry entry : live.values())
        {
            if (!claim(entry.extents(), used))
            {
                conflict = true;
                break;
            }
            inOrder.add(entry);
        }
        if (!conflict)
        {
            return inOrder;
        }
        // Some block has two claimants (damage, or a lost remove record): the newest store wins it.
        used.clear();
        used.or(before);
        final Entry[] bySequence = live.values().toArray(new Entry[0]);
        java.util.Arrays.sort(bySequence, Comparator.comparingLong(Entry::sequence).reversed());
        final java.util.Set<Entry> dropped = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (final Entry entry : bySequence)
        {
            if (!claim(entry.extents(), used))
            {
                dropped.add(entry);
            }
        }
        final List<Entry> entries = new ArrayList<>(live.size() - dropped.size());
        for (final Entry entry : live.values())
        {
            if (!dropped.contains(entry))
            {
                entries.add(entry);
            }
        }
        return entries;
    }

    /**
     * Claims extents in the used set, all or nothing.
     *
     * @return false when a block is out of the data region or already claimed.
     */
    private boolean claim(final ExtentList extents, final BitSet used)
    {
        if (!inDataRegion(extents))
        {
            return false;
        }
        final long start = superblock.dataStartBlock();
        for (int i = 0; i < extents.size(); i++)
        {
            final int from = (int)(extents.firstBlock(i) - start);
            if (anySet(used, from, from + (int)extents.count(i)))
            {
                return false;
            }
        }
        for (int i = 0; i < extents.size(); i++)
        {
            final int from = (int)(extents.firstBlock(i) - start);
            final int to = from + (int)extents.count(i);
            if (anySet(used, from, to))
            {
                // Two extents of one list overlap each other: undo and refuse.
                for (int j = 0; j < i; j++)
                {
                    final int f = (int)(extents.firstBlock(j) - start);
                    used.clear(f, f + (int)extents.count(j));
                }
                return false;
            }
            used.set(from, to);
        }
        return true;
    }

    /**
     * Whether any bit of {@code [from, to)} is set, looking at that range only ({@code nextSetBit} would scan to the
     * next set bit however far, which made claiming a million entries take seconds).
     */
    private static boolean anySet(final BitSet bits, final int from, final int to)
    {
        if (to - from <= 64)
        {
            for (int b = from; b < to; b++)
            {
                if (bits.get(b))
                {
                    return true;
                }
            }
            return false;
        }
        return !bits.get(from, to).isEmpty();
    }

    private ExtentList extentsInFirstBlock(final ByteBuffer block, final int headerLength, final int maxHeader)
    {
        final int count = block.getInt(EntryHeaderDescriptor.EXTENT_COUNT_OFFSET);
        if (headerLength > maxHeader || count < 1 || count > EntryHeaderDescriptor.MAX_EXTENTS ||
            EntryHeaderDescriptor.EXTENTS_OFFSET + count * EntryHeaderDescriptor.EXTENT_LENGTH > block.limit())
        {
            return null;
        }
        final long[] packed = new long[count];
        for (int i = 0; i < count; i++)
        {
            final int at = EntryHeaderDescriptor.EXTENTS_OFFSET + i * EntryHeaderDescriptor.EXTENT_LENGTH;
            final long first = Integer.toUnsignedLong(block.getInt(at));
            final long blocks = Integer.toUnsignedLong(block.getInt(at + Integer.BYTES));
            if (blocks == 0 || first > ExtentList.MAX_BLOCK_INDEX || blocks > ExtentList.MAX_BLOCK_INDEX)
            {
                return null;
            }
            packed[i] = ExtentList.pack(first, blocks);
        }
        final ExtentList extents = ExtentList.ofPacked(packed);
        return inDataRegion(extents) ? extents : null;
    }

    private boolean inDataRegion(final ExtentList extents)
    {
        final long start = superblock.dataStartBlock();
        final long end = start + superblock.dataBlockCount();
        for (int i = 0; i < extents.size(); i++)
        {
            if (extents.firstBlock(i) < start || extents.firstBlock(i) + extents.count(i) > end)
            {
                return false;
            }
        }
        return true;
    }

    /**
     * The last resort: find intact entry headers by reading the start of every data block. Entries found are ordered
     * by sequence (store order stands in for recency); removals since the last checkpoint are lost with it, so a
     * removed entry whose blocks were not reused can come back.
     */
    private Result scan(final int corrupt) throws IOException
    {
        final long start = superblock.dataStartBlock();
        final long end = start + superblock.dataBlockCount();
        final int headerBytes = EntryHeaderDescriptor.maxHeaderLength();
        final ByteBuffer block = ByteBuffer.allocateDirect(headerBytes).order(ByteOrder.LITTLE_ENDIAN);
        final LinkedHashMap<String, Entry> found = new LinkedHashMap<>();
        long maxSequence = 0;
        for (long b = start; b < end; b++)
        {
            // One block first; the rest of a header only when the block starts with one that says it is longer.
            block.clear().limit(blockSize);
            file.readAt(b * blockSize, block);
            block.flip();
            if (block.getInt(EntryHeaderDescriptor.MAGIC_OFFSET) != EntryHeaderDescriptor.MAGIC)
            {
                continue;
            }
            final int headerLength = block.getInt(EntryHeaderDescriptor.HEADER_LENGTH_OFFSET);
            if (headerLength > blockSize)
            {
                // The header goes on into the entry's next extents, which the first block lists.
                final ExtentList extents = extentsInFirstBlock(block, headerLength, headerBytes);
                if (extents == null)
                {
                    continue;
                }
                block.clear().limit(headerLength);
                try
                {
                    file.read(extents, 0, block);
                }
                catch (final java.io.EOFException e)
                {
                    continue;
                }
                block.flip();
            }
            final Entry entry = EntryHeader.decode(block, creationId);
            if (entry == null || entry.extents().firstBlock(0) != b)
            {
                continue;
            }
            final Entry other = found.get(entry.key());
            if (other == null || other.sequence() < entry.sequence())
            {
                found.put(entry.key(), entry);
            }
            maxSequence = Math.max(maxSequence, entry.sequence());
        }
        final List<Entry> ordered = new ArrayList<>(found.values());
        ordered.sort(Comparator.comparingLong(Entry::sequence));
        final LinkedHashMap<String, Entry> live = new LinkedHashMap<>();
        for (final Entry entry : ordered)
        {
            live.put(entry.key(), entry);
        }
        final BitSet used = new BitSet();
        final List<Entry> entries = claimEntries(live, used);
        return new Result(entries, used, maxSequence + 1, 0, null, null, corrupt, 0, live.size() - entries.size(),
            true);
    }
}
