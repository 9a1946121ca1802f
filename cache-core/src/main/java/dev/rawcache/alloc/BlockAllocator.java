package dev.rawcache.alloc;

import dev.rawcache.io.Checks;
import dev.rawcache.io.block.ExtentList;

import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Hands out runs of blocks from a fixed range, as extent lists.
 * <p>
 * <b>The problem.</b> A cache's entries come and go in every size, so free space fragments. A bitmap scanned first
 * fit, as simple block caches do, costs a scan of the whole bitmap per allocation once the front fills up, and
 * either fails a store for fragmentation (when it insists on one contiguous run) or scatters entries block by block.
 * <p>
 * <b>The choice.</b> Free space is kept as a set of maximal free extents in two ordered indexes, as XFS keeps its
 * free-space B-trees: one by start block, to merge a freed extent with its neighbours in {@code O(log n)}, and one
 * by (length, start), to find the smallest free extent that fits in {@code O(log n)} (best fit keeps large runs
 * whole for large entries). When no single extent fits, the request is served from the largest extents first, so
 * it uses as few extents as the free space allows; a cap on the extent count lets the caller evict more and try
 * again rather than accept an entry scattered into thousands of pieces.
 * <p>
 * <b>The trade-off.</b> Memory is proportional to the number of free extents (two tree nodes each), not to the
 * number of blocks, and it shrinks as frees merge. Every call takes this object's monitor: allocation and free are
 * short, in-memory, and never do I/O (the exception: a request that merges the reuse stacks, below, inserts up to
 * 16 x {@value #STACK_DEPTH} extents into the trees at once, about a millisecond). Callers may hold the monitor
 * around several calls: the cache frees the blocks of dead entries under it.
 * <p>
 * <b>Small extents are reused whole.</b> A cache of similar objects frees and allocates extents of a few blocks all
 * the time, and in a fragmented free space each merge and each split costs updates of both trees, with their boxed
 * keys and pointer chases: about 30% of a store in the peer comparison's mixed phase (two threads, 20% stores
 * replacing random keys) went to the allocator and to waiting for the index lock it was called under. So an extent of
 * at most {@value #SMALL_EXTENT} blocks that is freed goes, unmerged, onto a stack for its length (up to
 * {@value #STACK_DEPTH} extents each), and an allocation of that length takes the most recently freed one back in
 * {@code O(1)}, as Linux's page allocator keeps per-CPU lists of freed pages in front of its buddy merging. When no
 * extent in the trees holds a request whole, the stacked extents are merged into them first, so stacking never makes
 * an allocation fail or take more extents; {@link #largestFreeExtent} and {@link #freeExtentCount} merge them too,
 * so both stay exact.
 * <p>
 * Freeing a block that is already free throws {@link IllegalStateException}: it would mean two owners of one block.
 * A bitmap of free blocks (one bit per block: 32 MiB per TiB of 4 KiB blocks) checks every free exactly, stacked or
 * merged, before anything changes.
 * <p>
 * Thread-safe.
 */
public final class BlockAllocator
{
    /** The longest extent kept on a reuse stack, in blocks. */
    public static final int SMALL_EXTENT = 16;
    /** The most extents one reuse stack holds; further frees of that length merge into the trees. */
    public static final int STACK_DEPTH = 1024;

    private final long firstBlock;
    private final long blockCount;
    /** Bit {@code b - firstBlock} set for each free block, stacked or in the trees. */
    private final long[] freeBits;
    /** Per length 1 to SMALL_EXTENT, start blocks of freed extents of that length, not in the trees. */
    private final long[][] stacks = new long[SMALL_EXTENT + 1][];
    private final int[] depths = new int[SMALL_EXTENT + 1];
    private int stacked;
    /** start block to length of each free extent. */
    private final TreeMap<Long, Long> byStart = new TreeMap<>();
    /** each free extent as (length << 32 | start), ordered by length then start. */
    private final TreeSet<Long> byLength = new TreeSet<>();
    private long freeBlocks;

    /**
     * An allocator over {@code [firstBlock, firstBlock + blockCount)}, all free.
     *
     * @param firstBlock the first block it may hand out.
     * @param blockCount how many blocks it manages.
     */
    public BlockAllocator(final long firstBlock, final long blockCount)
    {
        Checks.requireArgument(firstBlock >= 0 && blockCount > 0 &&
            firstBlock + blockCount - 1 <= ExtentList.MAX_BLOCK_INDEX,
            "block range %d+%d must be non-empty and end by block %d", firstBlock, blockCount,
            ExtentList.MAX_BLOCK_INDEX);
        this.firstBlock = firstBlock;
        this.blockCount = blockCount;
        this.freeBits = new long[(int)((blockCount + 63) >>> 6)];
        setBits(0, blockCount, true);
        insert(firstBlock, blockCount);
        freeBlocks = blockCount;
    }

    /**
     * An allocator over {@code [firstBlock, firstBlock + blockCount)} whose used blocks are given, as recovery finds
     * them; the free extents are built in one pass over the set.
     *
     * @param firstBlock the first block it may hand out.
     * @param blockCount how many blocks it manages.
     * @param used       bit {@code b - firstBlock} set for each used block.
     * @return the allocator.
     */
    public static BlockAllocator withUsed(final long firstBlock, final long blockCount, final java.util.BitSet used)
    {
        final BlockAllocator allocator = new BlockAllocator(firstBlock, blockCount);
        allocator.byStart.clear();
        allocator.byLength.clear();
        allocator.freeBlocks = 0;
        java.util.Arrays.fill(allocator.freeBits, 0L);
        int from = used.nextClearBit(0);
        while (from < blockCount)
        {
            final int next = used.nextSetBit(from);
            final long to = next < 0 || next > blockCount ? blockCount : next;
            allocator.insert(firstBlock + from, to - from);
            allocator.setBits(from, to, true);
            allocator.freeBlocks += to - from;
            if (to >= blockCount)
            {
                break;
            }
            from = used.nextClearBit((int)to);
        }
        return allocator;
    }

    /**
     * Allocates {@code blocks} blocks in at most {@code maxExtents} extents: one extent when a free one fits (the
     * smallest that does), else the largest free extents first.
     *
     * @param blocks     how many blocks, at least 1.
     * @param maxExtents the most extents the caller accepts, at least 1.
     * @return the extents, in the order to use them, or null when the free space is too small or too fragmented;
     * nothing is allocated then.
     */
    public synchronized ExtentList allocate(final long blocks, final int maxExtents)
    {
        Checks.requireArgument(blocks > 0, "block count %d must be positive", blocks);
        Checks.requireArgument(maxExtents > 0, "extent limit %d must be positive", maxExtents);
        if (blocks > freeBlocks)
        {
            return null;
        }
        if (blocks <= SMALL_EXTENT && depths[(int)blocks] > 0)
        {
            final int length = (int)blocks;
            final long start = stacks[length][--depths[length]];
            stacked--;
            markUsed(start, length);
            freeBlocks -= length;
            return ExtentList.of(start, length);
        }
        Long fit = byLength.ceiling(blocks << 32);
        if (fit == null && stacked > 0)
        {
            // No free extent in the trees holds the request: merge the stacked ones back first, so that the
            // request takes as few (and as long) extents as the whole free space allows.
            mergeStacks();
            fit = byLength.ceiling(blocks << 32);
        }
        if (fit != null)
        {
            final long start = fit & 0xFFFF_FFFFL;
            take(start, fit >>> 32, blocks);
            markUsed(start, blocks);
            return ExtentList.of(start, blocks);
        }
        // No single extent fits: plan from the largest down, then take.
        final long[] plan = new long[Math.min(maxExtents, byLength.size())];
        int count = 0;
        long remaining = blocks;
        final Iterator<Long> largest = byLength.descendingIterator();
        while (remaining > 0 && largest.hasNext())
        {
            if (count == plan.length)
            {
                return null;
            }
            final long packed = largest.next();
            final long length = packed >>> 32;
            final long start = packed & 0xFFFF_FFFFL;
            final long use = Math.min(length, remaining);
            plan[count++] = ExtentList.pack(start, use);
            remaining -= use;
        }
        if (remaining > 0)
        {
            return null;
        }
        for (int i = 0; i < count; i++)
        {
            final long start = ExtentList.firstBlock(plan[i]);
            take(start, byStart.get(start), ExtentList.count(plan[i]));
            markUsed(start, ExtentList.count(plan[i]));
        }
        return ExtentList.ofPacked(java.util.Arrays.copyOf(plan, count));
    }

    /**
     * Marks specific blocks as allocated, as recovery does for entries it finds on disk.
     *
     * @param extents the extents to take; each must lie inside one free extent.
     * @throws IllegalStateException when a block is not free.
     */
    public synchronized void reserve(final ExtentList extents)
    {
        mergeStacks();
        for (int i = 0; i < extents.size(); i++)
        {
            final long start = extents.firstBlock(i);
            final long count = extents.count(i);
            final Map.Entry<Long, Long> holder = byStart.floorEntry(start);
            if (holder == null || holder.getKey() + holder.getValue() < start + count)
            {
                throw new IllegalStateException("blocks " + start + "+" + count + " are not free");
            }
            final long holderStart = holder.getKey();
            final long holderLength = holder.getValue();
            remove(holderStart, holderLength);
            if (start > holderStart)
            {
                insert(holderStart, start - holderStart);
            }
            final long tail = holderStart + holderLength - (start + count);
            if (tail > 0)
            {
                insert(start + count, tail);
            }
            markUsed(start, count);
            freeBlocks -= count;
        }
    }

    /**
     * Returns blocks to the free space: an extent of at most {@link #SMALL_EXTENT} blocks onto the reuse stack for its
     * length while that has room, any other merged with its free neighbours. Nothing changes when a block is
     * already free.
     *
     * @param extents the extents to free; every block must be allocated.
     * @throws IllegalStateException when a block is already free or outside the managed range.
     */
    public synchronized void free(final ExtentList extents)
    {
        for (int i = 0; i < extents.size(); i++)
        {
            try
            {
                checkAllocated(extents.firstBlock(i), extents.count(i));
            }
            catch (final IllegalStateException e)
            {
                // Undo the marks of the extents before it (two extents of one list may overlap each other).
                for (int j = 0; j < i; j++)
                {
                    markUsed(extents.firstBlock(j), extents.count(j));
                }
                throw e;
            }
            markFree(extents.firstBlock(i), extents.count(i));
        }
        for (int i = 0; i < extents.size(); i++)
        {
            final long start = extents.firstBlock(i);
            final long count = extents.count(i);
            freeBlocks += count;
            if (count <= SMALL_EXTENT && depths[(int)count] < STACK_DEPTH)
            {
                push(start, (int)count);
            }
            else
            {
                mergeIntoTrees(start, count);
            }
        }
    }

    /**
     * How many blocks are free.
     *
     * @return the free block count.
     */
    public synchronized long freeBlocks()
    {
        return freeBlocks;
    }

    /**
     * How many blocks are allocated.
     *
     * @return the used block count.
     */
    public synchronized long usedBlocks()
    {
        return blockCount - freeBlocks;
    }

    /**
     * How many blocks this allocator manages.
     *
     * @return the block count.
     */
    public long blockCount()
    {
        return blockCount;
    }

    /**
     * The length of the largest free extent.
     *
     * @return blocks in the largest free run, 0 when full.
     */
    public synchronized long largestFreeExtent()
    {
        mergeStacks();
        return byLength.isEmpty() ? 0 : byLength.last() >>> 32;
    }

    /**
     * How many separate free extents there are, a measure of fragmentation.
     *
     * @return the free extent count.
     */
    public synchronized int freeExtentCount()
    {
        mergeStacks();
        return byStart.size();
    }

    /** Throws, naming the blocks, when any of them is outside the range or free; changes nothing. */
    private void checkAllocated(final long start, final long count)
    {
        if (start < firstBlock || count <= 0 || start + count > firstBlock + blockCount)
        {
            throw new IllegalStateException("blocks " + start + "+" + count + " are outside the managed range " +
                firstBlock + "+" + blockCount);
        }
        final long free = firstFree(start - firstBlock, start - firstBlock + count);
        if (free >= 0)
        {
            throw new IllegalStateException("double free: blocks " + start + "+" + count + " include block " +
                (firstBlock + free) + ", which is free");
        }
    }

    /** The first free block in {@code [from, to)} (relative to firstBlock), or -1; reads only those words. */
    private long firstFree(final long from, final long to)
    {
        for (long word = from >>> 6; word <= (to - 1) >>> 6; word++)
        {
            final long bits = freeBits[(int)word] & wordMask(word, from, to);
            if (bits != 0)
            {
                return (word << 6) + Long.numberOfTrailingZeros(bits);
            }
        }
        return -1;
    }

    /** Marks {@code [from, to)} (relative to firstBlock) free or used. */
    private void setBits(final long from, final long to, final boolean free)
    {
        for (long word = from >>> 6; word <= (to - 1) >>> 6 && from < to; word++)
        {
            final long mask = wordMask(word, from, to);
            if (free)
            {
                freeBits[(int)word] |= mask;
            }
            else
            {
                freeBits[(int)word] &= ~mask;
            }
        }
    }

    /** The bits of bitmap word {@code word} that lie in {@code [from, to)}, a non-empty range. */
    private static long wordMask(final long word, final long from, final long to)
    {
        long mask = -1L;
        if (word == from >>> 6)
        {
            mask &= -1L << (from & 63);
        }
        if (word == (to - 1) >>> 6)
        {
            mask &= -1L >>> (63 - ((to - 1) & 63));
        }
        return mask;
    }

    private void markUsed(final long start, final long count)
    {
        setBits(start - firstBlock, start - firstBlock + count, false);
    }

    private void markFree(final long start, final long count)
    {
        setBits(start - firstBlock, start - firstBlock + count, true);
    }

    private void push(final long start, final int length)
    {
        long[] stack = stacks[length];
        if (stack == null || depths[length] == stack.length)
        {
            stack = java.util.Arrays.copyOf(stack == null ? new long[0] : stack,
                Math.min(STACK_DEPTH, Math.max(16, depths[length] * 2)));
            stacks[length] = stack;
        }
        stack[depths[length]++] = start;
        stacked++;
    }

    /** Merges every stacked extent into the trees; free-block counts and bits do not change. */
    private void mergeStacks()
    {
        if (stacked == 0)
        {
            return;
        }
        for (int length = 1; length <= SMALL_EXTENT; length++)
        {
            final long[] stack = stacks[length];
            for (int i = depths[length] - 1; i >= 0; i--)
            {
                mergeIntoTrees(stack[i], length);
            }
            depths[length] = 0;
        }
        stacked = 0;
    }

    /** Puts a free extent (already checked and counted) into the trees, merged with its free neighbours there. */
    private void mergeIntoTrees(final long start, final long count)
    {
        long mergedStart = start;
        long mergedLength = count;
        final Map.Entry<Long, Long> before = byStart.floorEntry(start);
        if (before != null && before.getKey() + before.getValue() == start)
        {
            remove(before.getKey(), before.getValue());
            mergedStart = before.getKey();
            mergedLength += before.getValue();
        }
        final Map.Entry<Long, Long> after = byStart.ceilingEntry(start);
        if (after != null && after.getKey() == start + count)
        {
            remove(after.getKey(), after.getValue());
            mergedLength += after.getValue();
        }
        insert(mergedStart, mergedLength);
    }

    private void take(final long start, final long length, final long blocks)
    {
        remove(start, length);
        if (length > blocks)
        {
            insert(start + blocks, length - blocks);
        }
        freeBlocks -= blocks;
    }

    private void insert(final long start, final long length)
    {
        byStart.put(start, length);
        byLength.add((length << 32) | start);
    }

    private void remove(final long start, final long length)
    {
        byStart.remove(start);
        byLength.remove((length << 32) | start);
    }
}
