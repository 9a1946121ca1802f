package dev.rawcache.examples;

import dev.rawcache.tools.ByteSize;

/**
 * What the zero-copy demo stores: many small entries (read by positional read), some large ones and one huge one
 * (served from the mapping), scaled down to fit a small cache so that nothing is evicted and every read hits.
 * <p>
 * Immutable and thread-safe.
 *
 * @param smallCount how many small entries.
 * @param smallSize  bytes per small entry, below the mmap threshold.
 * @param largeCount how many large entries.
 * @param largeSize  bytes per large entry, at or above the mmap threshold.
 * @param hugeSize   bytes of the one huge entry, the one sent to the socket.
 */
record DemoWorkload(int smallCount, int smallSize, int largeCount, int largeSize, int hugeSize)
{
    /** The full workload: 1000 x 4 KiB, 16 x 1 MiB and 1 x 16 MiB, about 40 MiB of blocks. */
    static final DemoWorkload FULL = new DemoWorkload(1000, 4 * 1024, 16, 1 << 20, 16 << 20);

    /** Large entries are never scaled below this, so they stay well above the default 64 KiB mmap threshold. */
    private static final int MIN_LARGE_SIZE = 128 * 1024;
    /** The workload may fill this share of the data blocks, in percent: the rest is slack. */
    private static final int FILL_PERCENT = 90;

    /**
     * The largest workload, up to {@link #FULL}, that fits a cache of the given size.
     *
     * @param capacityBytes the cache file's capacity.
     * @param blockSize     bytes per block.
     * @return the workload, or null when even the smallest one does not fit.
     */
    static DemoWorkload forCapacity(final long capacityBytes, final int blockSize)
    {
        final long budget = (capacityBytes / blockSize - 1) * FILL_PERCENT / 100;
        DemoWorkload workload = FULL;
        while (workload.blocksNeeded(blockSize) > budget)
        {
            workload = workload.smaller();
            if (workload == null)
            {
                return null;
            }
        }
        return workload;
    }

    /**
     * The smallest capacity {@link #forCapacity(long, int)} finds a workload for, rounded up to a whole MiB.
     *
     * @param blockSize bytes per block.
     * @return bytes.
     */
    static long minimumCapacity(final int blockSize)
    {
        DemoWorkload smallest = FULL;
        for (DemoWorkload next = FULL.smaller(); next != null; next = next.smaller())
        {
            smallest = next;
        }
        final long blocks = 1 + (smallest.blocksNeeded(blockSize) * 100 + FILL_PERCENT - 1) / FILL_PERCENT;
        final long mib = 1L << 20;
        return (blocks * blockSize + mib - 1) / mib * mib;
    }

    /**
     * Blocks the workload takes, counting one block of header per entry (an upper bound for these short keys).
     *
     * @param blockSize bytes per block.
     * @return blocks.
     */
    long blocksNeeded(final int blockSize)
    {
        return smallCount * blocksFor(smallSize, blockSize) + largeCount * blocksFor(largeSize, blockSize) +
            blocksFor(hugeSize, blockSize);
    }

    /**
     * Value bytes of all entries together.
     *
     * @return bytes.
     */
    long valueBytes()
    {
        return (long)smallCount * smallSize + (long)largeCount * largeSize + hugeSize;
    }

    /**
     * Value bytes of the large and huge entries together.
     *
     * @return bytes.
     */
    long largeBytes()
    {
        return (long)largeCount * largeSize + hugeSize;
    }

    /**
     * A one-line description, e.g. {@code 1000 x 4 KiB, 16 x 1 MiB and 1 x 16 MiB}.
     *
     * @return the description.
     */
    String describe()
    {
        return smallCount + " x " + ByteSize.format(smallSize) + ", " + largeCount + " x " +
            ByteSize.format(largeSize) + " and 1 x " + ByteSize.format(hugeSize);
    }

    private DemoWorkload smaller()
    {
        if (hugeSize > 2 * largeSize)
        {
            return new DemoWorkload(smallCount, smallSize, largeCount, largeSize, hugeSize / 2);
        }
        if (largeCount > 4)
        {
            return new DemoWorkload(smallCount, smallSize, largeCount / 2, largeSize, hugeSize);
        }
        if (smallCount > 100)
        {
            return new DemoWorkload(smallCount / 2, smallSize, largeCount, largeSize, hugeSize);
        }
        if (largeSize > MIN_LARGE_SIZE)
        {
            return new DemoWorkload(smallCount, smallSize, largeCount, largeSize / 2, hugeSize / 2);
        }
        return null;
    }

    private static long blocksFor(final long valueBytes, final int blockSize)
    {
        return (valueBytes + blockSize - 1) / blockSize + 1;
    }
}
