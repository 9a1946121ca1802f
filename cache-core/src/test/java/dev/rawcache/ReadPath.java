package dev.rawcache;

/**
 * The read paths every read contract runs against, chosen by the mmap threshold.
 */
enum ReadPath
{
    /** Threshold {@link Integer#MAX_VALUE}: every value is read with positional reads. */
    POSITIONAL(Integer.MAX_VALUE),
    /** Threshold 0: every value is served from the mapping. */
    MAPPED(0),
    /** The default threshold: small values positional, large ones mapped. */
    DEFAULT(CacheConfig.DEFAULT_MMAP_THRESHOLD);

    private final int threshold;

    ReadPath(final int threshold)
    {
        this.threshold = threshold;
    }

    /**
     * The mmap threshold of this path.
     *
     * @return bytes.
     */
    int threshold()
    {
        return threshold;
    }

    /**
     * Whether a zero-copy lookup of a value of this size is served from the mapping.
     *
     * @param size the value's length.
     * @return true when the value is at or above the threshold.
     */
    boolean maps(final long size)
    {
        return size >= threshold;
    }

    /**
     * A configuration for a cache of {@code blocks} blocks of 4 KiB on this path.
     *
     * @param builder the builder to complete.
     * @param blocks  blocks in the file, superblock included.
     * @return the builder.
     */
    CacheConfig.Builder configure(final CacheConfig.Builder builder, final long blocks)
    {
        return builder.mmapThreshold(threshold).capacityBytes(blocks * CacheConfig.DEFAULT_BLOCK_SIZE);
    }
}
