package dev.rawcache.tools;

import dev.rawcache.io.file.Superblock;
import dev.rawcache.stats.CacheCounter;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One reading of a cache file and its counters, as {@code ./rawcache stat} shows it: the superblock's geometry, the
 * counters file's owner, every counter, and the ratios derived from them.
 * <p>
 * Immutable and thread-safe.
 *
 * @param cacheFile          the cache file, absolute.
 * @param superblock         its superblock.
 * @param countersFile       the counters file beside it, absolute.
 * @param ownerPid           the pid of the process that last opened the cache.
 * @param ownerStartMillis   when that process opened it, epoch milliseconds.
 * @param ownerState         whether that process still has the cache open.
 * @param countersCreationId the creation id of the cache file the counters describe.
 * @param labelled           every counter in the file by its label, in registration order.
 * @param counters           rawcache's own counters.
 * @param readAt             when this reading was taken.
 */
public record CacheStatus(Path cacheFile, Superblock superblock, Path countersFile, long ownerPid,
                          long ownerStartMillis, OwnerState ownerState, long countersCreationId,
                          Map<String, Long> labelled, Map<CacheCounter, Long> counters, Instant readAt)
{
    /**
     * Copies the maps so the reading cannot change afterwards.
     *
     * @param cacheFile          the cache file.
     * @param superblock         its superblock.
     * @param countersFile       the counters file.
     * @param ownerPid           the owner's pid.
     * @param ownerStartMillis   the owner's start time.
     * @param ownerState         the owner's state.
     * @param countersCreationId the creation id in the counters file.
     * @param labelled           counters by label.
     * @param counters           rawcache's counters.
     * @param readAt             when it was read.
     */
    public CacheStatus
    {
        labelled = Collections.unmodifiableMap(new LinkedHashMap<>(labelled));
        final EnumMap<CacheCounter, Long> copy = new EnumMap<>(CacheCounter.class);
        copy.putAll(counters);
        counters = Collections.unmodifiableMap(copy);
    }

    /**
     * Whether the process that owns the counters has the cache open.
     */
    public enum OwnerState
    {
        /** The owner is alive and has not closed the cache. */
        RUNNING("running"),
        /** The owner closed the cache; the counters hold their final values. */
        CLOSED("closed"),
        /** The owner is gone without closing the cache (it crashed or was killed). */
        GONE("not running: exited without closing the cache");

        private final String description;

        OwnerState(final String description)
        {
            this.description = description;
        }

        /**
         * A short phrase for people.
         *
         * @return the description.
         */
        public String description()
        {
            return description;
        }
    }

    /**
     * The value of one of rawcache's counters.
     *
     * @param counter which counter.
     * @return its value, 0 when the file lacks it.
     */
    public long get(final CacheCounter counter)
    {
        return counters.getOrDefault(counter, 0L);
    }

    /**
     * Whether the counters describe this cache file rather than an earlier one formatted at the same path.
     *
     * @return true when the creation ids agree.
     */
    public boolean countersMatchCacheFile()
    {
        return countersCreationId == superblock.creationId();
    }

    /**
     * Hits as a share of all lookups.
     *
     * @return a ratio from 0 to 1, or NaN before the first lookup.
     */
    public double hitRatio()
    {
        final long hits = get(CacheCounter.HITS);
        final long lookups = hits + get(CacheCounter.MISSES);
        return lookups == 0 ? Double.NaN : (double)hits / lookups;
    }

    /**
     * Used data blocks as a share of all data blocks.
     *
     * @return a percentage from 0 to 100.
     */
    public double usedPercent()
    {
        return 100.0 * get(CacheCounter.USED_BLOCKS) / superblock.dataBlockCount();
    }
}
