package dev.rawcache.stats;

/**
 * The counters a cache keeps, each an Agrona counter in the counters file, found by its type id.
 * <p>
 * Immutable and thread-safe.
 */
public enum CacheCounter
{
    /** Entries in the index (a gauge). */
    ENTRIES("entries"),
    /** Lookups, zero-copy lookups and transfers that found a live entry. */
    HITS("hits"),
    /** Lookups, zero-copy lookups and transfers that found nothing usable. */
    MISSES("misses"),
    /** Completed stores. */
    STORES("stores"),
    /** Value bytes stored. */
    STORE_BYTES("store bytes"),
    /** Stores that failed (no space, I/O). */
    STORE_FAILURES("store failures"),
    /** Entries evicted to make room. */
    EVICTIONS("evictions"),
    /** Entries dropped because their time to live had passed. */
    EXPIRATIONS("expirations"),
    /** Entries removed by the caller. */
    REMOVALS("removals"),
    /** Blocks held by entries, including ones waiting for their last reader (a gauge). */
    USED_BLOCKS("used blocks"),
    /** Free data blocks (a gauge). */
    FREE_BLOCKS("free blocks"),
    /** Entries dropped because their bytes or header failed a check. */
    CHECKSUM_FAILURES("checksum failures"),
    /** Reads that failed with an I/O error. */
    IO_ERRORS("io errors"),
    /** Zero-copy lookups served as mapped views. */
    MMAP_READS("mmap reads"),
    /** Bytes served as mapped views. */
    MMAP_BYTES("mmap bytes"),
    /** Zero-copy lookups below the threshold, served by positional read instead. */
    MMAP_SKIPPED("mmap skipped"),
    /** Completed transferTo calls. */
    SENDFILE_TRANSFERS("sendfile transfers"),
    /** Bytes sent by transferTo. */
    SENDFILE_BYTES("sendfile bytes"),
    /** Checkpoints written since the cache was opened. */
    CHECKPOINTS("checkpoints"),
    /** Blocks held by the kept checkpoints (a gauge). */
    CHECKPOINT_BLOCKS("checkpoint blocks"),
    /** Entries recovered when the cache was opened. */
    RECOVERED_ENTRIES("recovered entries"),
    /** Checkpoints or pointers found damaged when the cache was opened, and entries dropped by recovery. */
    RECOVERY_FAILURES("recovery failures"),
    /** Entries invalidated by the caller with purge. */
    PURGES("purges"),
    /** Metadata replaced without rewriting the body. */
    METADATA_UPDATES("metadata updates");

    /** Type ids of rawcache counters start here, clear of Aeron's and Agrona's. */
    public static final int TYPE_ID_BASE = 0x7263_0000;

    private final String label;

    CacheCounter(final String label)
    {
        this.label = label;
    }

    /**
     * The label written into the counters file.
     *
     * @return a short human-readable label.
     */
    public String label()
    {
        return label;
    }

    /**
     * The Agrona type id under which this counter is registered.
     *
     * @return the type id.
     */
    public int typeId()
    {
        return TYPE_ID_BASE + ordinal();
    }

    /**
     * The counter with a type id, or null.
     *
     * @param typeId an Agrona counter type id.
     * @return the counter or null when the id is not a rawcache one.
     */
    public static CacheCounter ofTypeId(final int typeId)
    {
        final int index = typeId - TYPE_ID_BASE;
        final CacheCounter[] values = values();
        return index >= 0 && index < values.length ? values[index] : null;
    }
}
