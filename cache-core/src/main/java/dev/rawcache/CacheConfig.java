package dev.rawcache;

import dev.rawcache.io.Checks;
import dev.rawcache.io.file.CacheFile;
import dev.rawcache.stats.CountersFileDescriptor;

import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;

/**
 * How to open a {@link RawDiskCache}: the cache file, its size and geometry, and the read and expiry policy.
 * Build one with {@link #builder(Path)}.
 * <pre>{@code
 * CacheConfig config = CacheConfig.builder(Path.of("/var/cache/proxy.cache"))
 *     .capacityBytes(8L << 30)       // 8 GiB file, preallocated
 *     .mmapThreshold(64 * 1024)      // entries of 64 KiB and more are read as mapped views
 *     .defaultTtl(Duration.ofHours(1))
 *     .build();
 * }</pre>
 * Immutable and thread-safe.
 */
public final class CacheConfig
{
    /** The default capacity: 1 GiB. */
    public static final long DEFAULT_CAPACITY_BYTES = 1L << 30;
    /** The default block size: 4 KiB. */
    public static final int DEFAULT_BLOCK_SIZE = 4096;
    /** The default threshold at and above which zero-copy lookups map instead of reading: 64 KiB. */
    public static final int DEFAULT_MMAP_THRESHOLD = 64 * 1024;

    /** The largest default journal: 256 MiB. */
    public static final long DEFAULT_MAX_JOURNAL_BYTES = 256L << 20;
    /** The default durability: an fdatasync every second. */
    public static final Durability DEFAULT_DURABILITY = Durability.periodic(java.time.Duration.ofSeconds(1));

    /** The shortest time to live: 1 ms. */
    public static final Duration MIN_TTL = Duration.ofMillis(1);

    private final Path path;
    private final long capacityBytes;
    private final int blockSize;
    private final int mmapThreshold;
    private final Duration defaultTtl;
    private final boolean reformatIfIncompatible;
    private final boolean zeroCopy;
    private final boolean adaptiveThreshold;
    private final boolean verifyEveryRead;
    private final Path countersFile;
    private final InstantSource clock;
    private final Durability durability;
    private final long journalBytes;
    private final long maxObjectBytes;

    private CacheConfig(final Builder builder)
    {
        this.path = builder.path;
        this.capacityBytes = builder.capacityBytes;
        this.blockSize = builder.blockSize;
        this.mmapThreshold = builder.mmapThreshold;
        this.defaultTtl = builder.defaultTtl;
        this.reformatIfIncompatible = builder.reformatIfIncompatible;
        this.zeroCopy = builder.zeroCopy;
        this.adaptiveThreshold = builder.adaptiveThreshold;
        this.verifyEveryRead = builder.verifyEveryRead;
        this.countersFile = builder.countersFile != null ?
            builder.countersFile : CountersFileDescriptor.countersFileOf(builder.path);
        this.clock = builder.clock;
        this.durability = builder.durability;
        this.journalBytes = builder.journalBytes;
        this.maxObjectBytes = builder.maxObjectBytes;
    }

    /**
     * The largest body a streaming writer accepts; larger ones fail as soon as they pass it.
     *
     * @return bytes; by default no limit but what the cache can hold.
     */
    public long maxObjectBytes()
    {
        return maxObjectBytes;
    }

    /**
     * Starts a configuration for the cache file at {@code path}.
     *
     * @param path the cache file; created and preallocated when it does not exist.
     * @return a builder with every other option at its default.
     */
    public static Builder builder(final Path path)
    {
        return new Builder(path);
    }

    /**
     * The cache file.
     *
     * @return its path.
     */
    public Path path()
    {
        return path;
    }

    /**
     * The cache file's size, superblock included, in whole blocks.
     *
     * @return bytes.
     */
    public long capacityBytes()
    {
        return capacityBytes;
    }

    /**
     * Bytes per block.
     *
     * @return the block size.
     */
    public int blockSize()
    {
        return blockSize;
    }

    /**
     * Blocks in the file: capacity divided by block size.
     *
     * @return the block count.
     */
    public long blockCount()
    {
        return capacityBytes / blockSize;
    }

    /**
     * Value size at and above which reads go through the mapping; below it, through positional reads.
     *
     * @return bytes.
     */
    public int mmapThreshold()
    {
        return mmapThreshold;
    }

    /**
     * Time to live of entries stored without one, or null for none.
     *
     * @return the default TTL or null.
     */
    public Duration defaultTtl()
    {
        return defaultTtl;
    }

    /**
     * Whether an existing file that does not match (foreign, damaged, other geometry) is formatted anew, losing its
     * contents, instead of refused.
     *
     * @return true when reformatting was asked for.
     */
    public boolean reformatIfIncompatible()
    {
        return reformatIfIncompatible;
    }

    /**
     * Whether the file is mapped for zero-copy reads.
     *
     * @return true unless switched off.
     */
    public boolean zeroCopy()
    {
        return zeroCopy;
    }

    /**
     * Whether {@code lookup} measures both read paths on the live workload and moves each value size class to the
     * faster one, starting from {@link #mmapThreshold()} (see {@code dev.rawcache.read.AdaptiveThreshold}).
     *
     * @return true when adaptive.
     */
    public boolean adaptiveThreshold()
    {
        return adaptiveThreshold;
    }

    /**
     * Whether every read checks the whole header and the value's CRC32C. Otherwise (the default) an entry gets those
     * checks on its first read after the file is opened, and by {@link RawDiskCache#verify}; later reads check only
     * the header fields that tell whether its blocks still hold it (magic, lengths, sequence).
     *
     * @return true when every read is checked in full.
     */
    public boolean verifyEveryRead()
    {
        return verifyEveryRead;
    }

    /**
     * The counters file.
     *
     * @return its path, {@code <cache file>.counters} unless set.
     */
    public Path countersFile()
    {
        return countersFile;
    }

    /**
     * The clock for expiry.
     *
     * @return the clock.
     */
    public InstantSource clock()
    {
        return clock;
    }

    /**
     * When stores become durable.
     *
     * @return the durability mode.
     */
    public Durability durability()
    {
        return durability;
    }

    /**
     * Blocks of the journal ring in the file's metadata region: the configured size, or by default 1/32 of the
     * capacity, at least 2 blocks and at most 256 MiB.
     *
     * @return the journal's block count.
     */
    public long journalBlocks()
    {
        if (journalBytes > 0)
        {
            return Math.max(2, journalBytes / blockSize);
        }
        return Math.max(2, Math.min(blockCount() / 32, DEFAULT_MAX_JOURNAL_BYTES / blockSize));
    }

    /**
     * Blocks reserved after the superblock: two checkpoint pointers and the journal.
     *
     * @return the metadata block count.
     */
    public long metadataBlocks()
    {
        return 2 + journalBlocks();
    }

    /**
     * A duration in milliseconds, {@link Long#MAX_VALUE} for one too long to count (such as
     * {@code ChronoUnit.FOREVER.getDuration()}).
     *
     * @param duration a non-negative duration.
     * @return its milliseconds, saturated.
     */
    public static long toMillisSaturated(final Duration duration)
    {
        try
        {
            return duration.toMillis();
        }
        catch (final ArithmeticException e)
        {
            return Long.MAX_VALUE;
        }
    }

    @Override
    public String toString()
    {
        return "CacheConfig{path=" + path + ", capacityBytes=" + capacityBytes + ", blockSize=" + blockSize +
            ", mmapThreshold=" + mmapThreshold + ", defaultTtl=" + defaultTtl + ", reformatIfIncompatible=" +
            reformatIfIncompatible + ", zeroCopy=" + zeroCopy + ", adaptiveThreshold=" + adaptiveThreshold +
            ", verifyEveryRead=" + verifyEveryRead +
            ", countersFile=" + countersFile + ", durability=" +
            durability + ", journalBlocks=" + journalBlocks() + '}';
    }

    /**
     * Builds a {@link CacheConfig}; every setter checks its value at once and names the limit it breaks.
     * <p>
     * Not thread-safe.
     */
    public static final class Builder
    {
        private final Path path;
        private long capacityBytes = DEFAULT_CAPACITY_BYTES;
        private int blockSize = DEFAULT_BLOCK_SIZE;
        private int mmapThreshold = DEFAULT_MMAP_THRESHOLD;
        private Duration defaultTtl;
        private boolean reformatIfIncompatible;
        private boolean zeroCopy = true;
        private boolean adaptiveThreshold;
        private boolean verifyEveryRead;
        private Path countersFile;
        private InstantSource clock = InstantSource.system();
        private Durability durability = DEFAULT_DURABILITY;
        private long journalBytes;
        private long maxObjectBytes = Long.MAX_VALUE;

        private Builder(final Path path)
        {
            this.path = Objects.requireNonNull(path, "path");
        }

        /**
         * The size of the cache file, superblock included; rounded down to whole blocks.
         *
         * @param capacityBytes at least {@link CacheFile#MIN_BLOCKS} blocks; default 1 GiB.
         * @return this builder.
         */
        public Builder capacityBytes(final long capacityBytes)
        {
            Checks.requireArgument(capacityBytes > 0, "capacity %d bytes must be positive", capacityBytes);
            this.capacityBytes = capacityBytes;
            return this;
        }

        /**
         * Bytes per block.
         *
         * @param blockSize a power of two from {@link CacheFile#MIN_BLOCK_SIZE} to {@link CacheFile#MAX_BLOCK_SIZE};
         *                  default 4096.
         * @return this builder.
         */
        public Builder blockSize(final int blockSize)
        {
            Checks.requireArgument(Checks.isPowerOfTwo(blockSize) && blockSize >= CacheFile.MIN_BLOCK_SIZE &&
                blockSize <= CacheFile.MAX_BLOCK_SIZE, "block size %d must be a power of two from %d to %d",
                blockSize, CacheFile.MIN_BLOCK_SIZE, CacheFile.MAX_BLOCK_SIZE);
            this.blockSize = blockSize;
            return this;
        }

        /**
         * Value size at and above which lookups go through the mapping.
         *
         * @param mmapThreshold bytes, 0 or more; 0 maps everything, {@link Integer#MAX_VALUE} nothing; default 64 KiB.
         * @return this builder.
         */
        public Builder mmapThreshold(final int mmapThreshold)
        {
            Checks.requireArgument(mmapThreshold >= 0, "mmap threshold %d must not be negative", mmapThreshold);
            this.mmapThreshold = mmapThreshold;
            return this;
        }

        /**
         * Lets {@code lookup} measure both read paths (positional read, mapped copy) on the live workload and move
         * each value size class (powers of two) to the faster one, starting from {@link #mmapThreshold(int)}. About
         * 1 lookup in 64 is timed and half of those take the other path. Zero-copy views and transfers are not
         * affected. Has no effect without a mapping.
         *
         * @param adaptiveThreshold true to adapt; default false (the fixed threshold).
         * @return this builder.
         */
        public Builder adaptiveThreshold(final boolean adaptiveThreshold)
        {
            this.adaptiveThreshold = adaptiveThreshold;
            return this;
        }

        /**
         * Checks the whole header and the value's CRC32C on every read (lookups, views, readers and transfers), not
         * only on an entry's first read after open. It finds bytes damaged on disk while the cache runs at the next
         * read instead of at the next {@link RawDiskCache#verify}, and costs a CRC32C pass over every value read
         * (about 0.1 us per 4 KiB; for a 4 KiB lookup through the mapping about a fifth of the whole lookup).
         *
         * @param verifyEveryRead true to check every read in full; default false.
         * @return this builder.
         */
        public Builder verifyEveryRead(final boolean verifyEveryRead)
        {
            this.verifyEveryRead = verifyEveryRead;
            return this;
        }

        /**
         * Time to live for entries stored without one.
         *
         * @param defaultTtl a positive duration of at least 1 ms, or null for none (the default).
         * @return this builder.
         */
        public Builder defaultTtl(final Duration defaultTtl)
        {
            Checks.requireArgument(defaultTtl == null || defaultTtl.compareTo(MIN_TTL) >= 0,
                "default TTL %s must be at least 1 ms", defaultTtl);
            this.defaultTtl = defaultTtl;
            return this;
        }

        /**
         * Whether to format an existing file that does not match anew, discarding its contents. Off by default: a
         * foreign, damaged or differently sized file is refused with the reason.
         *
         * @param reformatIfIncompatible true to allow reformatting.
         * @return this builder.
         */
        public Builder reformatIfIncompatible(final boolean reformatIfIncompatible)
        {
            this.reformatIfIncompatible = reformatIfIncompatible;
            return this;
        }

        /**
         * Whether to map the file for zero-copy reads; when off, every read is positional.
         *
         * @param zeroCopy true (the default) to map.
         * @return this builder.
         */
        public Builder zeroCopy(final boolean zeroCopy)
        {
            this.zeroCopy = zeroCopy;
            return this;
        }

        /**
         * Where to put the counters file.
         *
         * @param countersFile the path; default {@code <cache file>.counters}.
         * @return this builder.
         */
        public Builder countersFile(final Path countersFile)
        {
            this.countersFile = Objects.requireNonNull(countersFile, "countersFile");
            return this;
        }

        /**
         * The clock expiry is measured against.
         *
         * @param clock the clock; default the system clock.
         * @return this builder.
         */
        public Builder clock(final InstantSource clock)
        {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * The largest body a streaming writer accepts.
         *
         * @param maxObjectBytes at least 1; default no limit but what the cache can hold.
         * @return this builder.
         */
        public Builder maxObjectBytes(final long maxObjectBytes)
        {
            Checks.requireArgument(maxObjectBytes > 0, "maximum object size %d must be positive", maxObjectBytes);
            this.maxObjectBytes = maxObjectBytes;
            return this;
        }

        /**
         * When stores become durable.
         *
         * @param durability the mode; default {@link #DEFAULT_DURABILITY}, an fdatasync every second.
         * @return this builder.
         */
        public Builder durability(final Durability durability)
        {
            this.durability = Objects.requireNonNull(durability, "durability");
            return this;
        }

        /**
         * The size of the journal ring. A checkpoint is written each time a third of it has filled, so a larger
         * journal means fewer checkpoints and a longer replay after a crash.
         *
         * @param journalBytes at least 2 blocks; default 1/32 of the capacity, at most 256 MiB.
         * @return this builder.
         */
        public Builder journalBytes(final long journalBytes)
        {
            Checks.requireArgument(journalBytes >= 2L * blockSize, "journal of %d bytes must hold at least 2 blocks " +
                "of %d bytes", journalBytes, blockSize);
            this.journalBytes = journalBytes;
            return this;
        }

        /**
         * Checks the combination and builds the configuration.
         *
         * @return the configuration.
         */
        public CacheConfig build()
        {
            final long blocks = capacityBytes / blockSize;
            Checks.requireArgument(blocks >= CacheFile.MIN_BLOCKS,
                "capacity %d bytes is %d blocks of %d bytes; the minimum is %d blocks (%d bytes)", capacityBytes,
                blocks, blockSize, CacheFile.MIN_BLOCKS, CacheFile.MIN_BLOCKS * blockSize);
            final CacheConfig config = new CacheConfig(this);
            final long minimum = 1 + config.metadataBlocks() + CacheFile.MIN_DATA_BLOCKS;
            Checks.requireArgument(blocks >= minimum, "capacity %d bytes is %d blocks of %d bytes; with a journal of " +
                "%d blocks the minimum is %d blocks (%d bytes)", capacityBytes, blocks, blockSize,
                config.journalBlocks(), minimum, minimum * blockSize);
            return config;
        }
    }
}
