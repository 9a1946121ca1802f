package dev.rawcache;

/**
 * A snapshot of a cache's counters, read from the same Agrona counters another process sees in the counters file.
 * Each value is read atomically; the snapshot as a whole is not atomic.
 * <p>
 * Immutable and thread-safe.
 *
 * @param entries          entries in the index.
 * @param hits             reads that found a live entry.
 * @param misses           reads that found none (absent, expired, or failed a checksum).
 * @param stores           completed stores.
 * @param storeBytes       value bytes stored.
 * @param storeFailures    stores that failed for lack of space or an I/O error.
 * @param evictions        entries evicted to make room.
 * @param expirations      entries dropped after their time to live.
 * @param removals         entries removed by the caller.
 * @param usedBlocks       blocks held by entries, including ones waiting for their last reader.
 * @param freeBlocks       free data blocks.
 * @param checksumFailures entries dropped because their bytes or header failed a check.
 * @param ioErrors         reads that failed with an I/O error.
 * @param checkpoints      checkpoints written since the cache was opened.
 * @param checkpointBlocks blocks held by the kept checkpoints (counted in {@code usedBlocks}).
 * @param recoveredEntries entries recovered when the cache was opened.
 * @param recoveryFailures damaged checkpoints or pointers, and dropped entries, found when the cache was opened.
 * @param purges           entries invalidated by the caller with {@code purge} (not counted in {@code removals}).
 * @param metadataUpdates  metadata replaced by {@code updateMetadata} without rewriting the body.
 */
public record CacheStats(long entries, long hits, long misses, long stores, long storeBytes, long storeFailures,
                         long evictions, long expirations, long removals, long usedBlocks, long freeBlocks,
                         long checksumFailures, long ioErrors, long checkpoints, long checkpointBlocks,
                         long recoveredEntries, long recoveryFailures, long purges,
                         long metadataUpdates)
{
}
