package dev.rawcache;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Cache geometry for tests that count blocks or depend on exact LRU order.
 * <p>
 * A cache file is a superblock, a metadata region (two checkpoint-pointer blocks and the journal ring) and the data
 * region. Checkpoints live in data blocks: a fresh cache sets {@link #FRESH_SPARE_BLOCKS} aside for its first one
 * (counted in {@link CacheStats#usedBlocks()} and {@link CacheStats#checkpointBlocks()}), and a checkpoint runs in the
 * background whenever the journal has grown by a third of its size, which may evict entries at any moment. The
 * configurations here therefore use a journal of {@link #QUIET_JOURNAL_BYTES}, so large that no test's records fill a
 * third of it (a store record is about 100 bytes, a removal about 50), and size the data region so that entries get
 * exactly the room a test asks for.
 * <p>
 * Stateless and thread-safe.
 */
final class TestCaches
{
    /** A journal no test fills to a third, so that no checkpoint runs in the background. */
    static final long QUIET_JOURNAL_BYTES = 8L << 20;
    /**
     * Blocks a newly created cache sets aside for its first checkpoint: the blocks of an empty checkpoint (1) plus a
     * quarter for growth plus 2.
     */
    static final long FRESH_SPARE_BLOCKS = 3;

    private TestCaches()
    {
    }

    /**
     * The capacity that gives a cache exactly {@code dataBlocks} data blocks.
     *
     * @param blockSize    bytes per block.
     * @param journalBytes the configured journal size.
     * @param dataBlocks   the data blocks wanted.
     * @return bytes, a whole number of blocks.
     */
    static long capacityFor(final int blockSize, final long journalBytes, final long dataBlocks)
    {
        final long journalBlocks = Math.max(2, journalBytes / blockSize);
        return (1 + 2 + journalBlocks + dataBlocks) * blockSize;
    }

    /**
     * Completes a builder for a new cache whose entries have exactly {@code entryBlocks} blocks to themselves: the data
     * region holds them plus the spare a fresh cache sets aside for its first checkpoint, and the journal is
     * {@link #QUIET_JOURNAL_BYTES}.
     *
     * @param builder     the builder.
     * @param blockSize   bytes per block.
     * @param entryBlocks the data blocks entries may use.
     * @return the builder.
     */
    static CacheConfig.Builder quiet(final CacheConfig.Builder builder, final int blockSize, final long entryBlocks)
    {
        return builder.blockSize(blockSize).journalBytes(QUIET_JOURNAL_BYTES)
            .capacityBytes(capacityFor(blockSize, QUIET_JOURNAL_BYTES, entryBlocks + FRESH_SPARE_BLOCKS));
    }

    /**
     * As {@link #quiet(CacheConfig.Builder, int, long)} with blocks of 4 KiB on a read path.
     *
     * @param path        the read path.
     * @param builder     the builder.
     * @param entryBlocks the data blocks entries may use.
     * @return the builder.
     */
    static CacheConfig.Builder quiet(final ReadPath path, final CacheConfig.Builder builder, final long entryBlocks)
    {
        return quiet(builder, CacheConfig.DEFAULT_BLOCK_SIZE, entryBlocks).mmapThreshold(path.threshold());
    }

    /**
     * Opens a new cache configured by {@link #quiet(CacheConfig.Builder, int, long)} and checks the premise: entries
     * have exactly {@code entryBlocks} free blocks and nothing else holds one.
     *
     * @param config the configuration.
     * @param entryBlocks the data blocks entries may use.
     * @return the open cache.
     */
    static RawDiskCache openQuiet(final CacheConfig config, final long entryBlocks)
    {
        final RawDiskCache cache = RawDiskCache.open(config);
        try
        {
            assertEquals(entryBlocks, entryRoom(cache), "premise: the free room of a new cache");
            assertEquals(entryBlocks, cache.stats().freeBlocks(), "premise: the free blocks of a new cache");
        }
        catch (final AssertionError e)
        {
            cache.close();
            throw e;
        }
        return cache;
    }

    /**
     * The data blocks not held by checkpoints.
     *
     * @param cache the cache.
     * @return blocks.
     */
    static long entryRoom(final RawDiskCache cache)
    {
        return cache.superblock().dataBlockCount() - cache.stats().checkpointBlocks();
    }

    /**
     * Blocks held by entries (and by dead entries still pinned by readers): the used blocks less the checkpoints'.
     *
     * @param cache the cache.
     * @return blocks.
     */
    static long entryBlocks(final RawDiskCache cache)
    {
        final CacheStats stats = cache.stats();
        return stats.usedBlocks() - stats.checkpointBlocks();
    }

    /**
     * Asserts that every data block is either free or held by a checkpoint: after everything was removed (and closed
     * views reclaimed), no block leaked.
     *
     * @param cache the cache.
     * @param when  what happened before, for the message.
     */
    static void assertNoLeak(final RawDiskCache cache, final String when)
    {
        final CacheStats stats = cache.stats();
        assertEquals(stats.checkpointBlocks(), stats.usedBlocks(), () -> "no block may leak " + when +
            ": only checkpoint blocks stay used; " + stats);
        assertEquals(cache.superblock().dataBlockCount(), stats.usedBlocks() + stats.freeBlocks(),
            () -> "used plus free blocks against the data region " + when + "; " + stats);
    }

    /**
     * Asserts the premise of the tests that count blocks: no checkpoint has run since the cache was opened.
     *
     * @param cache the cache.
     */
    static void assertNoCheckpointRan(final RawDiskCache cache)
    {
        assertEquals(0, cache.stats().checkpoints(), "premise: no background checkpoint ran (journal too small?)");
    }
}
