package dev.rawcache.io.block;

import dev.rawcache.io.Checks;

import java.util.Arrays;

/**
 * An ordered list of extents, each a run of whole blocks given as a first block index and a block count, that
 * together hold one logical byte stream: byte {@code 0} of the stream is the first byte of the first extent, and the
 * stream goes on into the next extent where one ends.
 * <p>
 * Each extent is packed into one {@code long}: the first block in the high 32 bits, the count in the low 32, so a
 * cache file holds at most {@link #MAX_BLOCK_INDEX} blocks. Immutable and thread-safe.
 */
public final class ExtentList
{
    /** The largest block index an extent can name (2^31 - 1; 8 TiB of 4 KiB blocks). */
    public static final long MAX_BLOCK_INDEX = Integer.MAX_VALUE;

    private static final ExtentList EMPTY = new ExtentList(new long[0], 0);

    private final long[] packed;
    private final long blockCount;

    private ExtentList(final long[] packed, final long blockCount)
    {
        this.packed = packed;
        this.blockCount = blockCount;
    }

    /**
     * The list with no extents.
     *
     * @return an empty list.
     */
    public static ExtentList empty()
    {
        return EMPTY;
    }

    /**
     * A list of one extent.
     *
     * @param firstBlock the first block of the extent.
     * @param count      how many blocks it has, at least 1.
     * @return the list.
     */
    public static ExtentList of(final long firstBlock, final long count)
    {
        return new ExtentList(new long[]{pack(firstBlock, count)}, count);
    }

    /**
     * A list of extents given packed, as {@link #pack(long, long)} makes them.
     *
     * @param packedExtents the extents, in stream order; the array is copied.
     * @return the list.
     */
    public static ExtentList ofPacked(final long[] packedExtents)
    {
        long blocks = 0;
        for (final long extent : packedExtents)
        {
            final long count = count(extent);
            Checks.requireArgument(count > 0, "extent %s has no blocks", toString(extent));
            blocks += count;
        }
        return new ExtentList(packedExtents.clone(), blocks);
    }

    /**
     * Packs an extent into a long.
     *
     * @param firstBlock the first block, from 0 to {@link #MAX_BLOCK_INDEX}.
     * @param count      the block count, from 1 to {@link #MAX_BLOCK_INDEX}.
     * @return the packed extent.
     */
    public static long pack(final long firstBlock, final long count)
    {
        Checks.requireArgument(firstBlock >= 0 && firstBlock <= MAX_BLOCK_INDEX,
            "first block %d is outside 0..%d", firstBlock, MAX_BLOCK_INDEX);
        Checks.requireArgument(count > 0 && count <= MAX_BLOCK_INDEX,
            "block count %d is outside 1..%d", count, MAX_BLOCK_INDEX);
        return (firstBlock << 32) | count;
    }

    /**
     * The first block of a packed extent.
     *
     * @param packedExtent the packed extent.
     * @return its first block.
     */
    public static long firstBlock(final long packedExtent)
    {
        return packedExtent >>> 32;
    }

    /**
     * The block count of a packed extent.
     *
     * @param packedExtent the packed extent.
     * @return its block count.
     */
    public static long count(final long packedExtent)
    {
        return packedExtent & 0xFFFF_FFFFL;
    }

    /**
     * How many extents the list has.
     *
     * @return the extent count.
     */
    public int size()
    {
        return packed.length;
    }

    /**
     * The packed extent at {@code index}.
     *
     * @param index from 0 to {@code size() - 1}.
     * @return the packed extent.
     */
    public long extent(final int index)
    {
        return packed[index];
    }

    /**
     * The first block of the extent at {@code index}.
     *
     * @param index from 0 to {@code size() - 1}.
     * @return the first block.
     */
    public long firstBlock(final int index)
    {
        return firstBlock(packed[index]);
    }

    /**
     * The block count of the extent at {@code index}.
     *
     * @param index from 0 to {@code size() - 1}.
     * @return the block count.
     */
    public long count(final int index)
    {
        return count(packed[index]);
    }

    /**
     * The total number of blocks in all extents.
     *
     * @return the block count.
     */
    public long blockCount()
    {
        return blockCount;
    }

    /**
     * This list followed by another.
     *
     * @param other the extents to append.
     * @return the concatenation.
     */
    public ExtentList concat(final ExtentList other)
    {
        if (other.packed.length == 0)
        {
            return this;
        }
        final long[] joined = Arrays.copyOf(packed, packed.length + other.packed.length);
        System.arraycopy(other.packed, 0, joined, packed.length, other.packed.length);
        return new ExtentList(joined, blockCount + other.blockCount);
    }

    /**
     * The first {@code blocks} blocks of the stream, splitting an extent if needed.
     *
     * @param blocks how many blocks to keep, from 0 to {@link #blockCount()}.
     * @return the leading extents.
     */
    public ExtentList head(final long blocks)
    {
        return split(blocks, true);
    }

    /**
     * The blocks after the first {@code blocks}.
     *
     * @param blocks how many blocks to skip, from 0 to {@link #blockCount()}.
     * @return the trailing extents.
     */
    public ExtentList tail(final long blocks)
    {
        return split(blocks, false);
    }

    private ExtentList split(final long blocks, final boolean head)
    {
        Checks.requireArgument(blocks >= 0 && blocks <= blockCount, "split at %d blocks of %d", blocks, blockCount);
        final long[] kept = new long[packed.length + 1];
        int n = 0;
        long seen = 0;
        for (final long extent : packed)
        {
            final long first = firstBlock(extent);
            final long count = count(extent);
            final long before = Math.max(0, Math.min(count, blocks - seen));
            if (head && before > 0)
            {
                kept[n++] = pack(first, before);
            }
            else if (!head && before < count)
            {
                kept[n++] = pack(first + before, count - before);
            }
            seen += count;
        }
        return n == 0 ? EMPTY : ExtentList.ofPacked(Arrays.copyOf(kept, n));
    }

    /**
     * A copy of the packed extents.
     *
     * @return the packed extents in stream order.
     */
    public long[] toPackedArray()
    {
        return packed.clone();
    }

    @Override
    public boolean equals(final Object o)
    {
        return o instanceof ExtentList other && Arrays.equals(packed, other.packed);
    }

    @Override
    public int hashCode()
    {
        return Arrays.hashCode(packed);
    }

    @Override
    public String toString()
    {
        final StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < packed.length; i++)
        {
            sb.append(i == 0 ? "" : ", ").append(toString(packed[i]));
        }
        return sb.append(']').toString();
    }

    private static String toString(final long packedExtent)
    {
        return firstBlock(packedExtent) + "+" + count(packedExtent);
    }
}
