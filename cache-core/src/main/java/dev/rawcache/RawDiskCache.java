package dev.rawcache;

import dev.rawcache.alloc.BlockAllocator;
import dev.rawcache.format.EntryHeader;
import dev.rawcache.format.EntryHeaderDescriptor;
import dev.rawcache.index.Entry;
import dev.rawcache.index.EntryIndex;
import dev.rawcache.io.CacheIoException;
import dev.rawcache.io.Checks;
import dev.rawcache.io.Closeables;
import dev.rawcache.io.block.ExtentList;
import dev.rawcache.io.file.CacheFile;
import dev.rawcache.io.file.Superblock;
import dev.rawcache.io.mmap.MappedRegion;
import dev.rawcache.io.mmap.MappedView;
import dev.rawcache.io.transfer.TargetFailedException;
import dev.rawcache.journal.Journal;
import dev.rawcache.read.AdaptiveThreshold;
import dev.rawcache.recovery.CheckpointDescriptor;
import dev.rawcache.recovery.CheckpointHost;
import dev.rawcache.recovery.CheckpointPointer;
import dev.rawcache.recovery.Checkpointer;
import dev.rawcache.recovery.Recovery;
import dev.rawcache.stats.CacheCounter;
import dev.rawcache.stats.CacheCounters;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.agrona.concurrent.status.AtomicCounter;
import org.jctools.queues.atomic.MpscUnboundedAtomicArrayQueue;

/**
 * A cache of byte values on local disk, in one preallocated file of fixed-size blocks, for proxies that cache HTTP
 * objects.
 * <pre>{@code
 * try (RawDiskCache cache = RawDiskCache.open(CacheConfig.builder(Path.of("data/proxy.cache"))
 *         .capacityBytes(1L << 30).build()))
 * {
 *     cache.store("GET https://example.com/logo.png", body);     // evicts LRU entries to make room
 *     ByteBuffer copy = cache.lookup("GET https://example.com/logo.png");
 *     try (CachedEntry view = cache.lookupZeroCopy("GET https://example.com/video.mp4"))
 *     {
 *         if (view != null) { for (ByteBuffer b : view.buffers()) { socket.write(b); } }
 *     }
 *     cache.transferTo("GET https://example.com/video.mp4", socketChannel);  // sendfile
 * }
 * }</pre>
 *
 * <b>Layout.</b> Block 0 of the file is a checksummed superblock; the rest are data blocks. Each entry occupies one or
 * more extents of whole blocks holding a header (magic, key, lengths, sequence, expiry, the value's CRC32C, the
 * extent list, a header CRC32C; see {@link EntryHeaderDescriptor}) followed by the value; a value without metadata
 * that a header would push into one more block is stored without one.
 * <p>
 * <b>Reads.</b> A value shorter than the mmap threshold is read with one positional read into a per-thread scratch
 * buffer; a value at or above it is served from the read-only mapping of the file: as pinned views by
 * {@link #lookupZeroCopy(String)}, copied by {@link #lookup(String)} and {@link #lookupInto(String, ByteBuffer)}.
 * {@link #transferTo(String, WritableByteChannel)} sends the value with {@code sendfile}. An entry's first read since
 * the file was opened checks its whole header and its value's CRC32C; later reads check the header's magic, lengths
 * and sequence in place ({@link CacheConfig#verifyEveryRead()} checks every read in full). A value whose checks fail
 * is a miss: it is dropped and counted in {@link CacheStats#checksumFailures()}.
 * <p>
 * <b>Writes.</b> A store checks its arguments, takes blocks from the {@link BlockAllocator} (when too few are free,
 * under the index lock it plans the evictions that free enough blocks, expired entries first, then least recently
 * used, the key's own old entry last, and evicts them only if they suffice; a store that cannot fit evicts nothing),
 * writes header and value with positional writes outside any lock, and then publishes the entry, replacing the key's
 * old entry.
 * <p>
 * <b>Pinning.</b> Every read pins its entry; blocks of a replaced, removed or evicted entry return to the allocator
 * only when the last reader lets go, so no reader ever sees another entry's bytes.
 * <p>
 * <b>Statistics</b> are Agrona counters in {@code <cache file>.counters}; {@code ./rawcache stat <cache file>} reads
 * them from another process.
 * <p>
 * <b>Restart.</b> This version opens an existing file after checking its superblock, with an empty index: entries of
 * an earlier run are not recovered yet.
 * <p>
 * Thread-safe: every method may be called from any thread. Lookups of different keys never wait for each other's
 * I/O; there is no lock around disk reads or writes.
 */
public final class RawDiskCache implements AutoCloseable
{
    /** The longest key, in UTF-8 bytes. */
    public static final int MAX_KEY_BYTES = EntryHeaderDescriptor.MAX_KEY_BYTES;
    /** The largest metadata blob, in bytes. */
    public static final int MAX_METADATA_BYTES = EntryHeaderDescriptor.MAX_METADATA_BYTES;

    /** Entries the index is sized for at open, at most: a table of 2^21 references, 8 MiB. */
    private static final long INDEX_PRESIZE_LIMIT = 1L << 20;
    private static final ByteBuffer EMPTY_METADATA = ByteBuffer.allocate(0).asReadOnlyBuffer();
    /** Dead entries whose blocks a store frees, at most, before it allocates (see freeJournaled). */
    private static final int STORE_FREE_BATCH = 8;
    /** Dead entries whose blocks the journal's flusher frees per hold of the allocator's monitor. */
    private static final int FLUSHER_FREE_BATCH = 256;
    /** How long a store short of room waits for readers to release pinned blocks before it fails with NO_SPACE. */
    private static final long PIN_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    private static final long PIN_WAIT_STEP_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private static final int MAX_ALLOCATION_ROUNDS = 4;

    private final CacheConfig config;
    private final CacheFile file;
    private final MappedRegion mapping;
    private final BlockAllocator allocator;
    private final EntryIndex index;
    private final CacheCounters counters;
    private final AtomicLong sequence;
    private final int blockSize;
    private final int mmapThreshold;
    /** Per size class, the faster read path for {@code lookup}; null for the fixed threshold. */
    private final AdaptiveThreshold adaptive;
    private final long dataBlocks;
    private final long evictionBatch;
    private final EntryBytes bytes;
    /**
     * Dead entries' blocks as releases hand them over, without a lock: a store that replaced a key, or the last
     * reader of a dead entry, offers and goes on. Polled only under the allocator's monitor.
     */
    private final MpscUnboundedAtomicArrayQueue<DeadBlocks> deadBlocks = new MpscUnboundedAtomicArrayQueue<>(1024);
    /**
     * Dead entries whose blocks wait for the journal record that ended them to be written, oldest first; under the
     * allocator's monitor, which their frees take anyway.
     */
    private final ArrayDeque<DeadBlocks> quarantine = new ArrayDeque<>();
    /** How many entries {@link #quarantine} holds, for a look without the lock. */
    private volatile int quarantined;

    /** Blocks of a dead entry, and the journal position after the record that ended it. */
    private record DeadBlocks(ExtentList extents, long deathLsn)
    {
    }
    /** Mapped views closed by their users whose blocks wait for the end of their grace period. */
    private final AtomicLong pendingViewReleases = new AtomicLong();
    private volatile boolean closed;
    private volatile String failure;

    private final AtomicCounter entries;
    private final AtomicCounter hits;
    private final AtomicCounter misses;
    private final AtomicCounter stores;
    private final AtomicCounter storeBytes;
    private final AtomicCounter storeFailures;
    private final AtomicCounter evictions;
    private final AtomicCounter expirations;
    private final AtomicCounter removals;
    private final AtomicCounter purges;
    private final AtomicCounter metadataUpdates;
    private final dev.rawcache.fill.FillLocks fillLocks = new dev.rawcache.fill.FillLocks();
    /** Writers still writing, by key, for readers that follow them. */
    private final java.util.concurrent.ConcurrentHashMap<String, Writer> writing =
        new java.util.concurrent.ConcurrentHashMap<>();
    private final AtomicCounter usedBlocks;
    private final AtomicCounter freeBlocks;
    private final AtomicCounter checksumFailures;
    private final AtomicCounter ioErrors;
    private final AtomicCounter mmapReads;
    private final AtomicCounter mmapBytes;
    private final AtomicCounter mmapSkipped;
    private final AtomicCounter sendfileTransfers;
    private final AtomicCounter sendfileBytes;
    private final AtomicCounter checkpoints;
    private final AtomicCounter checkpointBlocks;
    private final AtomicCounter recoveredEntries;
    private final AtomicCounter recoveryFailures;

    private final long creationId;
    private final Journal journal;
    private final Checkpointer checkpointer;
    private final Semaphore checkpointSignal = new Semaphore(0);
    private final Thread checkpointThread;

    private RawDiskCache(final CacheConfig config, final CacheFile file, final CacheCounters counters)
    {
        this.config = config;
        this.file = file;
        this.counters = counters;
        this.mapping = file.mapping();
        final Superblock superblock = file.superblock();
        this.blockSize = superblock.blockSize();
        this.dataBlocks = superblock.dataBlockCount();
        this.evictionBatch = superblock.dataBlockCount() / 256;
        this.creationId = superblock.creationId();
        this.bytes = new EntryBytes(file, creationId, config.verifyEveryRead(), new EntryBytes.Failures()
        {
            @Override
            public CacheIoException fault(final InternalError error, final Entry entry)
            {
                return RawDiskCache.this.fault(error, entry);
            }

            @Override
            public IllegalStateException closed()
            {
                return closedException();
            }

            @Override
            public RuntimeException io(final String what, final IOException e)
            {
                return ioFailure(what, e);
            }
        });
        this.mmapThreshold = config.mmapThreshold();
        this.adaptive = config.adaptiveThreshold() ? new AdaptiveThreshold(config.mmapThreshold()) : null;
        entries = counters.counter(CacheCounter.ENTRIES);
        hits = counters.counter(CacheCounter.HITS);
        misses = counters.counter(CacheCounter.MISSES);
        stores = counters.counter(CacheCounter.STORES);
        storeBytes = counters.counter(CacheCounter.STORE_BYTES);
        storeFailures = counters.counter(CacheCounter.STORE_FAILURES);
        evictions = counters.counter(CacheCounter.EVICTIONS);
        expirations = counters.counter(CacheCounter.EXPIRATIONS);
        removals = counters.counter(CacheCounter.REMOVALS);
        purges = counters.counter(CacheCounter.PURGES);
        metadataUpdates = counters.counter(CacheCounter.METADATA_UPDATES);
        usedBlocks = counters.counter(CacheCounter.USED_BLOCKS);
        freeBlocks = counters.counter(CacheCounter.FREE_BLOCKS);
        checksumFailures = counters.counter(CacheCounter.CHECKSUM_FAILURES);
        ioErrors = counters.counter(CacheCounter.IO_ERRORS);
        mmapReads = counters.counter(CacheCounter.MMAP_READS);
        mmapBytes = counters.counter(CacheCounter.MMAP_BYTES);
        mmapSkipped = counters.counter(CacheCounter.MMAP_SKIPPED);
        sendfileTransfers = counters.counter(CacheCounter.SENDFILE_TRANSFERS);
        sendfileBytes = counters.counter(CacheCounter.SENDFILE_BYTES);
        checkpoints = counters.counter(CacheCounter.CHECKPOINTS);
        checkpointBlocks = counters.counter(CacheCounter.CHECKPOINT_BLOCKS);
        recoveredEntries = counters.counter(CacheCounter.RECOVERED_ENTRIES);
        recoveryFailures = counters.counter(CacheCounter.RECOVERY_FAILURES);

        final Recovery.Result recovered = recover();
        // Sized for what the file can hold (an entry takes a block at least), up to INDEX_PRESIZE_LIMIT: growing a
        // table copies it, and in a first fill that took 15% of the stores' time.
        this.index = new EntryIndex((int)Math.max(recovered == null ? 0 : recovered.entries().size(),
            Math.min(dataBlocks, INDEX_PRESIZE_LIMIT)));
        final long dataStart = superblock.dataStartBlock();
        this.allocator = recovered == null ? new BlockAllocator(dataStart, dataBlocks) :
            BlockAllocator.withUsed(dataStart, dataBlocks, recovered.used());
        this.sequence = new AtomicLong(recovered == null ? 0 : recovered.nextSequence() - 1);
        final CheckpointPointer newest;
        final CheckpointPointer older;
        final long endLsn;
        try
        {
            if (recovered == null || recovered.scanned())
            {
                if (recovered != null)
                {
                    clearJournal();
                }
                newest = Checkpointer.initialize(file, creationId);
                older = null;
                endLsn = 0;
            }
            else
            {
                newest = recovered.newest();
                older = recovered.older();
                endLsn = recovered.endLsn();
            }
        }
        catch (final IOException e)
        {
            throw new CacheIoException(CacheIoException.Reason.IO, "cannot initialise the metadata of " +
                config.path() + ": " + e, e);
        }
        if (recovered != null)
        {
            index.lock();
            try
            {
                for (final Entry entry : recovered.entries())
                {
                    index.putLocked(entry);
                }
            }
            finally
            {
                index.unlock();
            }
            entries.setRelease(recovered.entries().size());
            recoveredEntries.setRelease(recovered.entries().size());
            recoveryFailures.setRelease(recovered.corruptCheckpoints() + recovered.droppedEntries());
        }
        freeBlocks.setRelease(allocator.freeBlocks());
        usedBlocks.setRelease(allocator.usedBlocks());
        checkpointBlocks.setRelease(newest.extents().blockCount() + (older == null ? 0 : older.extents().blockCount()));

        final long ringBytes = config.journalBlocks() * blockSize;
        this.journal = new Journal(file, CheckpointDescriptor.ringOffset(blockSize), ringBytes, creationId, endLsn,
            older != null ? older.replayLsn() : newest.replayLsn(), newest.replayLsn(), config.durability(),
            checkpointSignal::release, this::journalFailed, this::freeJournaled);
        this.checkpointer = new Checkpointer(file, creationId, journal, new Host(), newest, older,
            config.durability().mode() != Durability.Mode.NONE);
        checkpointer.reserveSpare(recovered == null ? 1 : Checkpointer.blocksFor(recovered.entries(), blockSize),
            false);
        checkpointBlocks.setRelease(checkpointer.blocksHeld());
        this.checkpointThread = Thread.ofPlatform().daemon().name("rawcache-checkpoint-" +
            config.path().getFileName()).unstarted(this::runCheckpoints);
        checkpointThread.start();
        if (recovered != null && (recovered.scanned() || recovered.droppedEntries() > 0 ||
            recovered.corruptCheckpoints() > 0))
        {
            // What was found differs from what the metadata says: write it down at once.
            checkpointSignal.release();
        }
    }

    /**
     * Opens the cache file named by {@code config}, creating and preallocating it if it does not exist.
     *
     * @param config the configuration.
     * @return the open cache.
     * @throws CacheIoException {@code FORMAT} when an existing file is foreign, damaged or of another geometry (and
     *                          reformatting was not asked for), {@code LOCKED} when another cache has it open,
     *                          {@code NO_SPACE} when the disk cannot hold it, {@code IO} otherwise.
     * @throws IllegalStateException when the JVM lacks a flag rawcache needs (the message names it).
     */
    public static RawDiskCache open(final CacheConfig config)
    {
        final CacheFile file = CacheFile.open(config.path(), new CacheFile.Options(config.blockSize(),
            config.blockCount(), config.metadataBlocks(), config.reformatIfIncompatible(), config.zeroCopy()));
        try
        {
            final CacheCounters counters = CacheCounters.create(config.countersFile(),
                file.superblock().creationId());
            return new RawDiskCache(config, file, counters);
        }
        catch (final RuntimeException | Error e)
        {
            Closeables.closeAll(file);
            throw e;
        }
    }

    /**
     * Stores a value under a key with the default time to live, replacing any entry the key had.
     *
     * @param key   the key: 1 to {@link #MAX_KEY_BYTES} bytes in UTF-8.
     * @param value the bytes from position to limit; the buffer's position is not changed.
     * @throws IllegalArgumentException for a bad key or a value larger than the cache can hold.
     * @throws CacheIoException         {@code NO_SPACE} when readers pin so much that no room can be made, even after
     *                                  waiting up to 250 ms for them to let go (nothing is evicted then, and the key's
     *                                  old entry is kept), {@code IO} when the write fails (the old entry is kept
     *                                  unless this store had to evict it for room).
     */
    public void store(final String key, final ByteBuffer value)
    {
        store(key, value, config.defaultTtl());
    }

    /**
     * Stores a value under a key with the default time to live, replacing any entry the key had.
     *
     * @param key   the key: 1 to {@link #MAX_KEY_BYTES} bytes in UTF-8.
     * @param value the bytes.
     * @throws IllegalArgumentException for a bad key or a value larger than the cache can hold.
     * @throws CacheIoException         as {@link #store(String, ByteBuffer)}.
     */
    public void store(final String key, final byte[] value)
    {
        Checks.requireArgument(value != null, "value for key %s must not be null", key);
        store(key, ByteBuffer.wrap(value), config.defaultTtl());
    }

    /**
     * Stores a value under a key with a time to live, replacing any entry the key had.
     *
     * @param key   the key: 1 to {@link #MAX_KEY_BYTES} bytes in UTF-8.
     * @param value the bytes from position to limit; the buffer's position is not changed.
     * @param ttl   how long the entry stays fresh, at least 1 ms; null for no expiry.
     * @throws IllegalArgumentException for a bad key, a bad TTL or a value larger than the cache can hold.
     * @throws CacheIoException         as {@link #store(String, ByteBuffer)}.
     */
    public void store(final String key, final ByteBuffer value, final Duration ttl)
    {
        store(key, value, EMPTY_METADATA, ttl);
    }

    /**
     * Stores a value with a metadata blob (such as the serialized response headers) and a time to live, replacing
     * any entry the key had. The metadata lives in the entry's header on disk, under its checksum; readers get it
     * from {@link EntryReader#metadata()}.
     * <p>
     * A value with no metadata whose header would cost it one more block (a value of exactly 4 KiB, for one) is
     * written without a header: one block instead of two, and its bytes start on a block (page) boundary. The
     * journal and the checkpoints describe it as they describe every entry and its CRC32C checks it on its first
     * read after open; what it lacks is the header the scan of last resort (both checkpoint pointers lost) finds
     * entries by, and the per-read check of the header's sequence.
     *
     * @param key      the key: 1 to {@link #MAX_KEY_BYTES} bytes in UTF-8.
     * @param value    the bytes from position to limit; the buffer's position is not changed.
     * @param metadata the metadata from position to limit, at most {@link #MAX_METADATA_BYTES}; not changed.
     * @param ttl      how long the entry stays fresh, at least 1 ms; null for no expiry.
     * @throws IllegalArgumentException for a bad key, TTL or metadata, or a value larger than the cache can hold.
     * @throws CacheIoException         as {@link #store(String, ByteBuffer)}.
     */
    public void store(final String key, final ByteBuffer value, final ByteBuffer metadata, final Duration ttl)
    {
        final byte[] keyBytes = checkKey(key);
        Checks.requireArgument(value != null, "value for key %s must not be null", key);
        checkMetadata(key, metadata);
        Checks.requireArgument(ttl == null || ttl.compareTo(CacheConfig.MIN_TTL) >= 0,
            "TTL %s for key %s must be at least 1 ms", ttl, key);
        ensureOpen();
        final long valueLength = value.remaining();
        final int metadataLength = metadata.remaining();
        final long minBlocks = blocksFor(EntryHeaderDescriptor.headerLength(keyBytes.length, 1, metadataLength) +
            valueLength);
        if (minBlocks > dataBlocks)
        {
            throw new IllegalArgumentException(String.format("value of %d bytes for key %s needs %d blocks of %d " +
                "bytes with its header; the cache holds %d data blocks (capacity %d bytes)", valueLength, key,
                minBlocks, blockSize, dataBlocks, config.capacityBytes()));
        }

        final long now = config.clock().millis();
        final long expiresAt = expiresAt(now, ttl);
        final int valueCrc = EntryBytes.crc(value);
        final long seq = sequence.incrementAndGet();

        beforeAllocation();
        // A value without metadata whose header would cost it one more block (a value of exactly 4 KiB, say) is
        // stored without one: the journal and checkpoints describe it, its CRC32C checks it.
        final boolean headerless = metadataLength == 0 && valueLength > 0 && minBlocks > blocksFor(valueLength);
        final ExtentList extents = headerless ?
            allocateEvicting(key, blocksFor(valueLength), now, EntryHeaderDescriptor.MAX_EXTENTS) :
            allocateFor(key, keyBytes.length, metadataLength, valueLength, now);
        final ByteBuffer header = headerless ? ByteBuffer.allocate(0) : EntryHeader.encode(keyBytes, extents,
            valueLength, seq, now, expiresAt, valueCrc, creationId, metadata, 0, new long[]{expiresAt, 0, 0});
        final Entry entry = new Entry(key, keyBytes, seq, extents, header.remaining(), valueLength, valueCrc, now,
            expiresAt, true);
        try
        {
            bytes.writeEntry(extents, header, value.duplicate());
        }
        catch (final IOException | RuntimeException | Error e)
        {
            freeExtents(extents);
            storeFailures.increment();
            throw e instanceof IOException io ? ioFailure("store of key " + key, io) : rethrow(e);
        }
        publish(entry, keyBytes);
    }

    /**
     * Makes a written entry visible, replacing the key's old one, and waits for durability if the mode says so.
     * On failure the entry's blocks are freed and nothing is visible.
     */
    private void publish(final Entry entry, final byte[] keyBytes)
    {
        final long valueLength = entry.valueLength();
        final Entry old;
        final long lsn;
        index.lock();
        try
        {
            ensureOpen();
            final String refusal = index.refusalLocked(entry);
            if (refusal != null)
            {
                storeFailures.increment();
                throw new IllegalStateException("store of key " + entry.key() + " refused: " + refusal);
            }
            // Journal first: if appending fails, nothing has been published.
            lsn = journal.appendStore(entry, keyBytes);
            old = index.putLocked(entry);
            if (old != null)
            {
                old.markDead(lsn);
            }
            if (old == null)
            {
                entries.increment();
            }
        }
        catch (final RuntimeException e)
        {
            // Nothing was published: give back the index's reference (readers following a streaming writer may
            // hold others; the blocks go when the last lets go).
            release(entry);
            throw e;
        }
        finally
        {
            index.unlock();
        }
        if (old != null)
        {
            release(old);
        }
        stores.increment();
        storeBytes.getAndAdd(valueLength);
        if (config.durability().mode() == Durability.Mode.ON_STORE)
        {
            journal.awaitDurable(lsn);
        }
    }

    /**
     * Opens a streaming write of a key's value, for a proxy's miss path: write the body chunk by chunk, then commit.
     *
     * @param key      the key: 1 to {@link #MAX_KEY_BYTES} bytes in UTF-8.
     * @param metadata the metadata (such as the response headers) from position to limit, at most
     *                 {@link #MAX_METADATA_BYTES}; copied, not changed.
     * @param options  the declared length, if known, and the TTL.
     * @return the writer; close it (a writer closed without commit aborts).
     * @throws IllegalArgumentException for a bad key or metadata, or a declared length the cache cannot hold.
     * @throws CacheIoException         {@code NO_SPACE} when no room can be made for a declared length.
     */
    public EntryWriter openWriter(final String key, final ByteBuffer metadata, final WriteOptions options)
    {
        final byte[] keyBytes = checkKey(key);
        checkMetadata(key, metadata);
        Checks.requireArgument(options != null, "write options for key %s must not be null", key);
        ensureOpen();
        final Writer writer = new Writer(key, keyBytes, metadata, options);
        writing.put(key, writer);
        return writer;
    }

    /**
     * Looks a key up and copies its value onto the heap.
     *
     * @param key the key.
     * @return a heap buffer holding exactly the value (position 0, limit the value's length), or null on a miss:
     * absent, expired, or failing its checksum.
     * @throws CacheIoException with reason {@code IO} when the read fails.
     */
    public ByteBuffer lookup(final String key)
    {
        final Entry entry = acquire(key);
        if (entry == null)
        {
            return null;
        }
        try
        {
            final ByteBuffer value = adaptive != null && mapping != null ? readAdaptively(entry) :
                entry.valueLength() < mmapThreshold || mapping == null ?
                bytes.readPositional(entry) : bytes.copyFromMapping(entry);
            return value == null ? dropCorrupt(entry) : hit(entry, value);
        }
        finally
        {
            release(entry);
        }
    }

    /**
     * Looks a key up and copies its value into the caller's buffer, allocating nothing: the lookup a server makes
     * into a pooled buffer. The value is read by the same path and checks as {@link #lookup(String)}.
     * <p>
     * When the value is longer than {@code destination.remaining()}, nothing is copied and the value's length is
     * returned: compare the result with what was remaining, and read a longer value with a larger buffer,
     * {@link #openReader(String)} or {@link #lookupZeroCopy(String)}.
     *
     * @param key         the key.
     * @param destination where the value goes, from its position; heap or direct. On a hit that fits, the position
     *                    advances by the value's length; otherwise it does not move, though bytes after it may have
     *                    been overwritten by a read that then failed its checks.
     * @return the value's length, or -1 on a miss: absent, expired, or failing its checksum.
     * @throws IllegalArgumentException when {@code destination} is null or read-only.
     * @throws CacheIoException with reason {@code IO} when the read fails.
     */
    public long lookupInto(final String key, final ByteBuffer destination)
    {
        Checks.requireArgument(destination != null && !destination.isReadOnly(),
            "the destination buffer for key %s must be a writable buffer, not %s", key, destination);
        final Entry entry = acquire(key);
        if (entry == null)
        {
            return -1;
        }
        try
        {
            final long length = entry.valueLength();
            if (length > destination.remaining())
            {
                hits.increment();
                return length;
            }
            final boolean good;
            if (adaptive != null && mapping != null)
            {
                final AdaptiveThreshold.Decision decision = adaptive.decide(length);
                final long start = decision.timed() ? System.nanoTime() : 0;
                good = readInto(entry, decision.mapped(), destination);
                if (decision.timed())
                {
                    adaptive.record(length, decision.mapped(), System.nanoTime() - start);
                }
            }
            else
            {
                good = readInto(entry, mapping != null && length >= mmapThreshold, destination);
            }
            if (!good)
            {
                dropCorrupt(entry);
                return -1;
            }
            hits.increment();
            index.recordAccess(entry);
            return length;
        }
        finally
        {
            release(entry);
        }
    }

    private boolean readInto(final Entry entry, final boolean mapped, final ByteBuffer destination)
    {
        return mapped ? bytes.copyFromMapping(entry, destination) : bytes.readPositional(entry, destination);
    }

    /** A lookup's copy by the path its size class reads faster, timing one lookup in {@code SAMPLE_ONE_IN}. */
    private ByteBuffer readAdaptively(final Entry entry)
    {
        final AdaptiveThreshold.Decision decision = adaptive.decide(entry.valueLength());
        if (!decision.timed())
        {
            return decision.mapped() ? bytes.copyFromMapping(entry) : bytes.readPositional(entry);
        }
        final long start = System.nanoTime();
        final ByteBuffer value = decision.mapped() ? bytes.copyFromMapping(entry) : bytes.readPositional(entry);
        adaptive.record(entry.valueLength(), decision.mapped(), System.nanoTime() - start);
        return value;
    }

    /**
     * The value size from which {@link #lookup(String)} reads through the mapping now: the configured
     * {@link CacheConfig#mmapThreshold()}, or with {@link CacheConfig#adaptiveThreshold()} what the measurements
     * chose (the smallest size from which every larger size class is mapped).
     *
     * @return bytes; {@link Integer#MAX_VALUE} when nothing is mapped.
     */
    public long effectiveMmapThreshold()
    {
        if (mapping == null)
        {
            return Integer.MAX_VALUE;
        }
        return adaptive != null ? adaptive.effectiveThreshold() : mmapThreshold;
    }

    /**
     * Looks a key up without copying when its value is at or above the mmap threshold.
     *
     * @param key the key.
     * @return a pinned entry to close after use (mapped views at or above the threshold, a positional-read copy
     * below it), or null on a miss.
     * @throws CacheIoException with reason {@code IO} when the read fails.
     */
    public CachedEntry lookupZeroCopy(final String key)
    {
        final Entry entry = acquire(key);
        if (entry == null)
        {
            return null;
        }
        boolean handedOver = false;
        try
        {
            if (entry.valueLength() < mmapThreshold || mapping == null)
            {
                final ByteBuffer value = bytes.readPositional(entry);
                if (value == null)
                {
                    return dropCorrupt(entry);
                }
                mmapSkipped.increment();
                return hit(entry, CachedEntry.copied(key, value));
            }
            if (!bytes.headerMatchesMapped(entry) || !bytes.trusted(entry) && !bytes.verifyMapped(entry))
            {
                return dropCorrupt(entry);
            }
            final MappedView view = file.openView(entry.extents(), entry.headerLength(), entry.valueLength(),
                () -> releaseAfterView(entry));
            if (view == null)
            {
                throw closedException();
            }
            handedOver = true;
            mmapReads.increment();
            mmapBytes.getAndAdd(entry.valueLength());
            return hit(entry, CachedEntry.mapped(key, entry.valueLength(), view, pendingViewReleases::incrementAndGet));
        }
        finally
        {
            if (!handedOver)
            {
                release(entry);
            }
        }
    }

    /**
     * Sends a key's whole value to a channel; a socket gets it by {@code sendfile}, with no copy through the JVM.
     *
     * @param key the key.
     * @param out the channel; pass the JDK's own channel (not a wrapper) to get {@code sendfile}.
     * @return the bytes sent (fewer than the value only when the channel would take no more, as a non-blocking
     * socket with a full send buffer does; call the ranged overload to go on), or -1 on a miss.
     * @throws CacheIoException with reason {@code IO} when the transfer fails.
     */
    public long transferTo(final String key, final WritableByteChannel out)
    {
        return transfer(key, 0, -1, out);
    }

    /**
     * Sends a byte range of a key's value to a channel, by {@code sendfile} for a socket.
     *
     * @param key    the key.
     * @param offset the first byte of the value to send, from 0 to the value's length.
     * @param length how many bytes, such that {@code offset + length} is at most the value's length.
     * @param out    the channel.
     * @return the bytes sent, or -1 on a miss.
     * @throws IllegalArgumentException when the range is negative or runs past the value.
     * @throws CacheIoException         with reason {@code IO} when the transfer fails.
     */
    public long transferTo(final String key, final long offset, final long length, final WritableByteChannel out)
    {
        Checks.requireArgument(offset >= 0 && length >= 0, "range offset %d, length %d must not be negative", offset,
            length);
        return transfer(key, offset, length, out);
    }

    /**
     * Opens a streaming reader of a key's value, for whole or ranged reads and {@code sendfile} transfers.
     *
     * @param key the key.
     * @return a reader pinning the entry, to close after use; or null on a miss (absent, expired, or failing its
     * checks; an entry recovered from disk is checked in full the first time it is opened).
     * @throws CacheIoException with reason {@code IO} when reading fails.
     */
    public EntryReader openReader(final String key)
    {
        checkLookupKey(key);
        ensureOpen();
        if (index.get(key) == null)
        {
            // A streaming partial hit: follow a writer that is still writing the key.
            final Writer writer = writing.get(key);
            final EntryReader follower = writer == null ? null : writer.follow();
            if (follower != null)
            {
                hits.increment();
                return follower;
            }
        }
        final Entry entry = acquire(key);
        if (entry == null)
        {
            return null;
        }
        boolean handedOver = false;
        try
        {
            final boolean intact;
            try
            {
                intact = bytes.checkForTransfer(entry);
            }
            catch (final IOException e)
            {
                throw ioFailure("read of key " + key, e);
            }
            if (!intact)
            {
                return dropCorrupt(entry);
            }
            final EntryReader reader = new EntryReader(key, new EntryReader.Source()
            {
                @Override
                public long awaitAvailable(final long position)
                {
                    return Math.max(0, entry.valueLength() - position);
                }

                @Override
                public Freshness freshness()
                {
                    return new Freshness(entry.freshUntilMillis(), entry.staleWhileRevalidateUntilMillis(),
                        entry.staleIfErrorUntilMillis());
                }

                @Override
                public long size()
                {
                    return entry.valueLength();
                }

                @Override
                public void read(final long valueOffset, final ByteBuffer dst) throws IOException
                {
                    file.read(entry.extents(), entry.headerLength() + valueOffset, dst);
                }

                @Override
                public long transferTo(final long valueOffset, final long length, final WritableByteChannel target)
                    throws IOException
                {
                    final long sent = file.transferTo(entry.extents(), entry.headerLength() + valueOffset, length,
                        target);
                    sendfileTransfers.increment();
                    sendfileBytes.getAndAdd(sent);
                    return sent;
                }

                @Override
                public ByteBuffer metadata() throws IOException
                {
                    if (entry.headerLength() == 0)
                    {
                        return ByteBuffer.allocate(0).asReadOnlyBuffer();
                    }
                    final ByteBuffer header = ByteBuffer.allocate(entry.headerLength());
                    file.read(entry.extents(), 0, header);
                    final ByteBuffer metadata = EntryHeader.metadata(header.flip());
                    return ByteBuffer.allocate(metadata.remaining()).put(metadata).flip().asReadOnlyBuffer();
                }

                @Override
                public RuntimeException failure(final String what, final IOException e)
                {
                    return ioFailure(what, e);
                }

                @Override
                public void release()
                {
                    RawDiskCache.this.release(entry);
                }
            });
            handedOver = true;
            return hit(entry, reader);
        }
        finally
        {
            if (!handedOver)
            {
                release(entry);
            }
        }
    }

    /**
     * Opens a reader following the write of a key still in progress, even when an older entry of the key is in the
     * cache (where {@link #openReader(String)} returns the older one): a proxy revalidating a stale entry serves the
     * refill as it lands, instead of the stale bytes or a second origin fetch.
     *
     * @param key the key.
     * @return a following reader, to close after use; or null when no writer is writing the key.
     */
    public EntryReader openFollower(final String key)
    {
        checkLookupKey(key);
        ensureOpen();
        final Writer writer = writing.get(key);
        final EntryReader follower = writer == null ? null : writer.follow();
        if (follower != null)
        {
            hits.increment();
        }
        return follower;
    }

    /**
     * Replaces a key's metadata without rewriting its body: after a {@code 304 Not Modified} revalidation, new
     * response headers for a body of any size. The new header goes into new blocks with the value bytes that shared
     * the old header's last block; the rest of the body stays where it is, now co-owned by the old entry (still
     * readable by readers that pinned it) and the new one. Small values are rewritten whole. The TTL is kept.
     *
     * @param key      the key.
     * @param metadata the new metadata from position to limit, at most {@link #MAX_METADATA_BYTES}; not changed.
     * @return true when the key had a live entry and its metadata was replaced; false when it had none, or was
     * stored again or removed meanwhile.
     * @throws CacheIoException {@code NO_SPACE} when no room can be made for the new header, {@code IO} when writing
     *                          fails; the entry is kept as it was.
     */
    public boolean updateMetadata(final String key, final ByteBuffer metadata)
    {
        return updateMetadata(key, metadata, null);
    }

    /**
     * Replaces a key's metadata and renews its freshness, as {@link #updateMetadata(String, ByteBuffer)} does: what
     * a proxy does on a {@code 304 Not Modified}, whose headers restart the entry's freshness lifetime. The TTL and
     * freshness windows are those of {@code options} counted from now, as for a new store ({@link
     * CacheConfig#defaultTtl()} when the options set none); the declared length is ignored.
     *
     * @param key      the key.
     * @param metadata the new metadata from position to limit, at most {@link #MAX_METADATA_BYTES}; not changed.
     * @param options  the new TTL and freshness; null keeps the entry's own.
     * @return true when the key had a live entry and its metadata was replaced; false when it had none, or was
     * stored again or removed meanwhile.
     * @throws CacheIoException {@code NO_SPACE} when no room can be made for the new header, {@code IO} when writing
     *                          fails; the entry is kept as it was.
     */
    public boolean updateMetadata(final String key, final ByteBuffer metadata, final WriteOptions options)
    {
        final byte[] keyBytes = checkKey(key);
        checkMetadata(key, metadata);
        ensureOpen();
        final Entry old = acquire(key);
        if (old == null)
        {
            return false;
        }
        try
        {
            final int metadataLength = metadata.remaining();
            final long headerBlocks = blocksFor(old.headerLength());
            final long prefix = headerBlocks * blockSize - old.headerLength();
            final long now = config.clock().millis();
            beforeAllocation();
            if (old.valueLength() <= prefix)
            {
                // The whole value shares the header's blocks: rewriting it is as cheap as anything else.
                final ByteBuffer value = bytes.readPositional(old);
                if (value == null)
                {
                    dropCorrupt(old);
                    return false;
                }
                final ExtentList extents = allocateFor(key, keyBytes.length, metadataLength, old.valueLength(), now);
                return writeAndPublishUpdate(old, keyBytes, metadata, extents, 0, value, null, renewed(old, options,
                    now));
            }
            final ExtentList tail = old.extents().tail(headerBlocks);
            if (tail.size() >= EntryHeaderDescriptor.MAX_EXTENTS)
            {
                throw new CacheIoException(CacheIoException.Reason.NO_SPACE, String.format("the body of key %s lies " +
                    "in %d extents, the most an entry may have, so a new header cannot be put in front of it; " +
                    "store the entry again instead", key, tail.size()));
            }
            int assumedExtents = 1;
            while (true)
            {
                final long blocks = blocksFor(EntryHeaderDescriptor.headerLength(keyBytes.length,
                    assumedExtents + tail.size(), metadataLength) + prefix);
                final ExtentList head = allocateEvicting(key, blocks, now,
                    EntryHeaderDescriptor.MAX_EXTENTS - tail.size());
                final long needed = EntryHeaderDescriptor.headerLength(keyBytes.length, head.size() + tail.size(),
                    metadataLength) + prefix;
                if (needed <= head.blockCount() * blockSize)
                {
                    final ByteBuffer moved = ByteBuffer.allocate((int)prefix);
                    try
                    {
                        file.read(old.extents(), old.headerLength(), moved);
                    }
                    catch (final IOException e)
                    {
                        freeExtents(head);
                        throw ioFailure("metadata update of key " + key, e);
                    }
                    final int reserved = (int)(head.blockCount() * blockSize - prefix);
                    return writeAndPublishUpdate(old, keyBytes, metadata, head.concat(tail), reserved, moved.flip(),
                        head, renewed(old, options, now));
                }
                freeExtents(head);
                assumedExtents = head.size();
            }
        }
        finally
        {
            release(old);
        }
    }

    /**
     * Writes an updated entry (header, then {@code value}: the whole value, or the part that moves with the header)
     * and publishes it if {@code old} is still the key's entry.
     *
     * @param head the new blocks when the body's tail is shared with {@code old}; null when the value is rewritten.
     */
    private boolean writeAndPublishUpdate(final Entry old, final byte[] keyBytes, final ByteBuffer metadata,
                                         final ExtentList extents, final int reservedHeader, final ByteBuffer value,
                                         final ExtentList head, final long[] freshness)
    {
        final long hardExpiry = new Freshness(freshness[0], freshness[1], freshness[2]).hardExpiryMillis();
        final String key = old.key();
        final long seq = sequence.incrementAndGet();
        final ByteBuffer header = EntryHeader.encode(keyBytes, extents, old.valueLength(), seq,
            old.createdAtMillis(), hardExpiry, old.valueCrc(), creationId, metadata, reservedHeader, freshness);
        final ExtentList written = head != null ? head : extents;
        final int headerLength = header.remaining();
        final Entry updated;
        try
        {
            updated = new Entry(key, keyBytes, seq, extents, headerLength, old.valueLength(), old.valueCrc(),
                old.createdAtMillis(), hardExpiry, old.isVerified(), freshness);
            bytes.writeEntry(extents, header, value);
        }
        catch (final IOException | RuntimeException | Error e)
        {
            freeExtents(written);
            throw e instanceof IOException io ? ioFailure("metadata update of key " + key, io) : rethrow(e);
        }
        final long lsn;
        index.lock();
        try
        {
            if (closed || index.get(key) != old)
            {
                freeExtents(written);
                return false;
            }
            try
            {
                lsn = journal.appendStore(updated, keyBytes);
            }
            catch (final RuntimeException e)
            {
                freeExtents(written);
                throw e;
            }
            if (head != null)
            {
                // The body's tail now belongs to both: each frees only its own header blocks, the last the tail.
                final Entry.SharedBlocks shared = old.sharedBlocks() != null ? old.sharedBlocks() :
                    new Entry.SharedBlocks(extents.tail(head.blockCount()));
                old.share(old.extents().head(old.extents().blockCount() - shared.extents().blockCount()), shared);
                updated.share(head, shared);
            }
            index.putLocked(updated);
            old.markDead(lsn);
        }
        finally
        {
            index.unlock();
        }
        release(old);
        metadataUpdates.increment();
        if (config.durability().mode() == Durability.Mode.ON_STORE)
        {
            journal.awaitDurable(lsn);
        }
        return true;
    }

    /**
     * Invalidates a key: removes its entry as {@link #remove(String)} does, counted as a purge (an invalidation by
     * the caller, such as an HTTP {@code PURGE}) rather than an eviction or a removal.
     *
     * @param key the key.
     * @return true when there was an entry.
     */
    public boolean purge(final String key)
    {
        final boolean removed = removeKey(key);
        if (removed)
        {
            purges.increment();
        }
        return removed;
    }

    /**
     * Of many concurrent misses on one key, lets exactly one fetch from the origin and store: the first caller is the
     * writer; the others wait until it closes its permit (then look the key up again) or until {@code timeout}
     * passes, when one of them takes over, presuming the writer dead.
     * <pre>{@code
     * ByteBuffer value;
     * while ((value = cache.lookup(key)) == null)
     * {
     *     try (FillPermit permit = cache.lockForFill(key, Duration.ofSeconds(5)))
     *     {
     *         if (permit.isWriter()) { value = fetchFromOrigin(); cache.store(key, value); break; }
     *     }
     * }
     * }</pre>
     *
     * @param key     the key.
     * @param timeout how long to wait for another writer before taking over.
     * @return the permit; a writer's must be closed.
     * @throws CacheIoException with reason {@code IO} when interrupted while waiting.
     */
    public FillPermit lockForFill(final String key, final Duration timeout)
    {
        checkLookupKey(key);
        ensureOpen();
        try
        {
            return fillLocks.lock(key, timeout);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new CacheIoException(CacheIoException.Reason.IO, "interrupted waiting for the fill of key " + key,
                e);
        }
    }

    /**
     * Removes a key's entry; its blocks are freed once no reader holds them.
     *
     * @param key the key.
     * @return true when there was an entry.
     */
    public boolean remove(final String key)
    {
        final boolean removed = removeKey(key);
        if (removed)
        {
            removals.increment();
        }
        return removed;
    }

    private boolean removeKey(final String key)
    {
        checkLookupKey(key);
        ensureOpen();
        journal.awaitCapacity();
        final Entry removed;
        index.lock();
        try
        {
            removed = index.removeLocked(key);
            if (removed != null)
            {
                removed.markDead(journal.appendRemove(removed));
                entries.decrement();
            }
        }
        finally
        {
            index.unlock();
        }
        if (removed == null)
        {
            return false;
        }
        release(removed);
        if (config.durability().mode() == Durability.Mode.ON_STORE)
        {
            journal.awaitDurable(removed.deathLsn());
        }
        return true;
    }

    /**
     * Whether a key has a live (present and unexpired) entry. Does not read the disk or change recency.
     *
     * @param key the key.
     * @return true when a lookup would find an entry, checksums permitting.
     */
    public boolean contains(final String key)
    {
        checkLookupKey(key);
        ensureOpen();
        final Entry entry = index.get(key);
        return entry != null && !entry.isExpired(config.clock().millis());
    }

    /**
     * A snapshot of the counters.
     *
     * @return the statistics.
     */
    public CacheStats stats()
    {
        return new CacheStats(entries.get(), hits.get(), misses.get(), stores.get(), storeBytes.get(),
            storeFailures.get(), evictions.get(), expirations.get(), removals.get(), usedBlocks.get(),
            freeBlocks.get(), checksumFailures.get(), ioErrors.get(), checkpoints.get(), checkpointBlocks.get(),
            recoveredEntries.get(), recoveryFailures.get(), purges.get(), metadataUpdates.get());
    }

    /**
     * A snapshot of the read-path counters.
     *
     * @return the zero-copy statistics.
     */
    public ZeroCopyStats zeroCopyStats()
    {
        return new ZeroCopyStats(mmapReads.get(), mmapBytes.get(), mmapSkipped.get(), sendfileTransfers.get(),
            sendfileBytes.get());
    }

    /**
     * Whether the file is mapped, so that values at or above the threshold are served without a copy.
     *
     * @return true when zero-copy reads are available.
     */
    public boolean isZeroCopyAvailable()
    {
        return mapping != null;
    }

    /**
     * The configuration this cache was opened with.
     *
     * @return the configuration.
     */
    public CacheConfig config()
    {
        return config;
    }

    /**
     * The cache file's superblock: geometry and creation id.
     *
     * @return the superblock.
     */
    public Superblock superblock()
    {
        return file.superblock();
    }

    /**
     * Keys from the next to be evicted to the most recently used. O(n), under the index lock: for tests and tools.
     *
     * @return the keys in eviction order.
     */
    public List<String> keysInEvictionOrder()
    {
        ensureOpen();
        index.lock();
        try
        {
            return index.keysInEvictionOrderLocked();
        }
        finally
        {
            index.unlock();
        }
    }

    /**
     * Returns every block that can be freed now to the free space: those of entries whose zero-copy views have all
     * been closed (instead of at the end of the current grace period, see {@link MappedRegion}), and those of removed
     * or replaced entries, whose blocks wait until the journal record that ended them is written (at most
     * {@link Durability#FLUSH_INTERVAL}). Stores do all this by themselves before they evict anything; call it to see
     * exact free space, in tests and tools. Costs a journal write and one JVM thread handshake, about 60 us.
     */
    public void reclaimClosedViews()
    {
        ensureOpen();
        if (mapping != null)
        {
            mapping.reclaim();
        }
        flushJournal();
        freeJournaled(Integer.MAX_VALUE, true);
    }

    /**
     * Scrubs the cache: checks every entry's header and CRC32C, in parallel on the common fork-join pool, through
     * the mapping (or by positional reads when the file is not mapped). A corrupt entry is dropped, counted in
     * {@link CacheStats#checksumFailures()} and its blocks reclaimed, as a read would; good ones count as verified,
     * so their first read skips the check. Entries stored while the scrub runs are not checked (they were written
     * by this process). Lookups and stores go on meanwhile.
     *
     * @param listener told of progress a few times a second, on the calling thread; may be null.
     * @return what it found.
     */
    public VerifyReport verify(final VerifyReport.Listener listener)
    {
        ensureOpen();
        final long start = System.nanoTime();
        final Entry[] all = index.snapshotInEvictionOrder();
        final AtomicLong checked = new AtomicLong();
        final AtomicLong checkedBytes = new AtomicLong();
        final AtomicLong corrupt = new AtomicLong();
        final java.util.concurrent.ForkJoinTask<?> task = java.util.concurrent.ForkJoinPool.commonPool().submit(() ->
            java.util.Arrays.stream(all).parallel().forEach(entry ->
            {
                if (entry.tryPin())
                {
                    try
                    {
                        if (!bytes.scrub(entry))
                        {
                            corrupt.incrementAndGet();
                            dropCorrupt(entry);
                        }
                        checkedBytes.addAndGet(entry.valueLength());
                    }
                    finally
                    {
                        release(entry);
                    }
                }
                checked.incrementAndGet();
            }));
        while (true)
        {
            try
            {
                task.get(200, TimeUnit.MILLISECONDS);
                break;
            }
            catch (final java.util.concurrent.TimeoutException e)
            {
                if (listener != null)
                {
                    listener.progress(checked.get(), all.length, checkedBytes.get(), corrupt.get());
                }
            }
            catch (final InterruptedException e)
            {
                task.cancel(true);
                Thread.currentThread().interrupt();
                throw new CacheIoException(CacheIoException.Reason.IO, "verify of " + config.path() + " interrupted", e);
            }
            catch (final java.util.concurrent.ExecutionException e)
            {
                throw e.getCause() instanceof RuntimeException re ? re :
                    new CacheIoException(CacheIoException.Reason.IO, "verify of " + config.path() + " failed: " +
                        e.getCause(), e.getCause());
            }
        }
        if (listener != null)
        {
            listener.progress(checked.get(), all.length, checkedBytes.get(), corrupt.get());
        }
        return new VerifyReport(checked.get(), checkedBytes.get(), corrupt.get(),
            java.time.Duration.ofNanos(System.nanoTime() - start));
    }

    /**
     * Writes a checkpoint now, so that a restart replays no journal. The cache does this by itself when a third of
     * the journal has filled, and on {@link #close()}.
     *
     * @throws CacheIoException when writing it fails.
     */
    public void checkpoint()
    {
        ensureOpen();
        writeCheckpoint(false);
    }

    /**
     * Closes the cache: later calls throw {@link IllegalStateException}. Writes a final checkpoint (so the next open
     * restores every entry, its metadata and the LRU order, replaying nothing) and syncs the journal. The mapping
     * stays until the last open {@link CachedEntry} is closed. Idempotent.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        synchronized (this)
        {
            if (closed)
            {
                return;
            }
            closed = true;
        }
        // Writers still writing will never commit now: abort them, which also wakes the readers that follow them.
        for (final Writer writer : writing.values())
        {
            writer.abort();
        }
        checkpointSignal.release();
        try
        {
            checkpointThread.join();
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
        RuntimeException failed = null;
        if (failure == null)
        {
            try
            {
                writeCheckpoint(true);
            }
            catch (final RuntimeException e)
            {
                failed = e;
            }
        }
        try
        {
            Closeables.closeAll(journal, counters, file);
        }
        catch (final RuntimeException e)
        {
            if (failed == null)
            {
                failed = e;
            }
            else
            {
                failed.addSuppressed(e);
            }
        }
        if (failed != null)
        {
            throw failed;
        }
    }

    /**
     * Whether the cache is closed.
     *
     * @return true after {@link #close()}.
     */
    public boolean isClosed()
    {
        return closed;
    }

    private Recovery.Result recover()
    {
        if (file.created())
        {
            return null;
        }
        try
        {
            return new Recovery(file).run();
        }
        catch (final IOException e)
        {
            throw new CacheIoException(CacheIoException.Reason.IO, "cannot recover " + config.path() + ": " + e, e);
        }
    }

    private void clearJournal() throws IOException
    {
        // After a scan the old log means nothing: clear it so no stale record can ever chain onto new ones.
        final ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
        final long ringOffset = CheckpointDescriptor.ringOffset(blockSize);
        final long ringBytes = config.journalBlocks() * blockSize;
        for (long at = 0; at < ringBytes; at += zeros.capacity())
        {
            zeros.clear().limit((int)Math.min(zeros.capacity(), ringBytes - at));
            file.writeAt(ringOffset + at, zeros);
        }
    }

    private void runCheckpoints()
    {
        while (!closed && failure == null)
        {
            try
            {
                if (!checkpointSignal.tryAcquire(1, TimeUnit.SECONDS))
                {
                    continue;
                }
                checkpointSignal.drainPermits();
                if (closed)
                {
                    return;
                }
                writeCheckpoint(false);
            }
            catch (final InterruptedException e)
            {
                return;
            }
            catch (final CacheIoException e)
            {
                if (e.reason() != CacheIoException.Reason.NO_SPACE)
                {
                    journalFailed(e);
                    return;
                }
                // Readers pin too much for a checkpoint now: try again at the next request.
            }
            catch (final RuntimeException e)
            {
                // A defect rather than an I/O failure: fail the cache loudly instead of letting the journal fill up
                // with no checkpoint to free it.
                journalFailed(new CacheIoException(CacheIoException.Reason.IO, "a checkpoint of " + config.path() +
                    " failed: " + e, e));
                return;
            }
        }
    }

    private void writeCheckpoint(final boolean last)
    {
        try
        {
            checkpointer.checkpoint(last);
            checkpoints.increment();
            checkpointBlocks.setRelease(checkpointer.blocksHeld());
        }
        catch (final IOException e)
        {
            throw new CacheIoException(CacheIoException.Reason.IO, "checkpoint of " + config.path() + " failed: " +
                e, e);
        }
    }

    private void flushJournal()
    {
        try
        {
            journal.flush(false);
        }
        catch (final IOException e)
        {
            journalFailed(e);
            throw new CacheIoException(CacheIoException.Reason.IO, "writing the journal of " + config.path() +
                " failed: " + e, e);
        }
    }

    private void journalFailed(final Throwable t)
    {
        if (failure == null)
        {
            failure = "writing metadata failed: " + t;
        }
    }

    /**
     * A streaming write. Blocks come from the allocator as the body grows; the header, which lists them, is written
     * last, at commit, into room reserved at the start of the first block (for the most extents when the length is
     * unknown, so the value's offset never has to move).
     * <p>
     * Readers may follow it while it writes: they wait on this object's monitor for bytes to land. At commit each
     * follower gets a pin on the new entry, so its blocks outlive an eviction; after an abort the blocks are freed
     * only when the last follower has gone.
     */
    private final class Writer implements EntryWriter
    {
        private final String key;
        private final byte[] keyBytes;
        private final ByteBuffer metadata;
        private final long declared;
        private final Duration ttl;
        private final WriteOptions options;
        private final long maxBytes;
        private final int reservedHeader;
        private final java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        private volatile ExtentList extents = ExtentList.empty();
        /** Body bytes written; guarded by this (followers read it). */
        private long written;
        /** 0 open, 1 committed, 2 aborted, 3 committing; guarded by this. */
        private int state;
        /** Writes (sequential or to ranges) in progress; guarded by this. Blocks are never freed under one. */
        private int inFlight;
        /** Whether the blocks of an aborted writer were given back; guarded by this. */
        private boolean freed;
        /** Readers following; guarded by this. */
        private int followers;
        /** The entry published by commit; guarded by this. */
        private Entry committed;
        /** Bytes of the body handed out as ranges; guarded by this. */
        private long rangesHandedOut;
        /** Offsets of the ranges handed out and not yet receipted; guarded by this. */
        private final java.util.Set<Long> rangesOpen = new java.util.HashSet<>();

        Writer(final String key, final byte[] keyBytes, final ByteBuffer metadata, final WriteOptions options)
        {
            this.key = key;
            this.keyBytes = keyBytes;
            this.metadata = ByteBuffer.allocate(metadata.remaining()).put(metadata.duplicate()).flip()
                .asReadOnlyBuffer();
            this.declared = options.declaredLength();
            this.options = options;
            this.ttl = options.ttl() != null ? options.ttl() : config.defaultTtl();
            final int metadataLength = this.metadata.remaining();
            final long fits = dataBlocks * blockSize -
                EntryHeaderDescriptor.headerLength(keyBytes.length, 1, metadataLength);
            this.maxBytes = Math.min(config.maxObjectBytes(), fits);
            if (declared >= 0)
            {
                Checks.requireArgument(declared <= maxBytes, "declared length %d of key %s exceeds the maximum " +
                    "object size of %d bytes", declared, key, maxBytes);
                beforeAllocation();
                extents = allocateFor(key, keyBytes.length, metadataLength, declared, config.clock().millis());
                reservedHeader = EntryHeaderDescriptor.headerLength(keyBytes.length, extents.size(), metadataLength);
            }
            else
            {
                reservedHeader = EntryHeaderDescriptor.headerLength(keyBytes.length, EntryHeaderDescriptor.MAX_EXTENTS,
                    metadataLength);
            }
        }

        @Override
        public String key()
        {
            return key;
        }

        @Override
        public void write(final ByteBuffer chunk)
        {
            final int n = chunk.remaining();
            final long before;
            synchronized (this)
            {
                Checks.requireState(state == 0, "writer of key %s is no longer open", key);
                Checks.requireState(rangesHandedOut == 0, "writer of key %s is being filled in ranges; write to the " +
                    "ranges", key);
                before = written;
                Checks.requireArgument(declared < 0 || before + n <= declared, "chunk of %d bytes would take the " +
                    "body of key %s to %d bytes, past its declared length of %d", n, key, before + n, declared);
                Checks.requireArgument(before + n <= maxBytes, "chunk of %d bytes would take the body of key %s to " +
                    "%d bytes, past the maximum object size of %d bytes", n, key, before + n, maxBytes);
                inFlight++;
            }
            boolean done = false;
            try
            {
                ensureRoom(before + n);
                file.write(extents, reservedHeader + before, chunk.duplicate());
                // The checksum takes the chunk only once it is on its way: a failed write can be retried.
                crc.update(chunk.duplicate());
                done = true;
            }
            catch (final IOException e)
            {
                throw ioFailure("write of key " + key, e);
            }
            finally
            {
                endWrite(done ? before + n : -1);
            }
            chunk.position(chunk.limit());
        }

        /**
         * Ends a write in progress; moves {@code written} on if {@code newWritten} is not -1, and gives the blocks
         * back if the writer was aborted meanwhile and this was the last thing holding them.
         */
        private void endWrite(final long newWritten)
        {
            final boolean freeNow;
            synchronized (this)
            {
                inFlight--;
                if (newWritten >= 0 && state == 0)
                {
                    written = newWritten;
                    notifyAll();
                }
                freeNow = takeFreeLocked();
            }
            if (freeNow)
            {
                freeExtents(extents);
            }
        }

        /**
         * Whether the caller must now free the blocks: the writer aborted, and no write, follower or commit holds
         * them. Guarded by this; true at most once.
         */
        private boolean takeFreeLocked()
        {
            if (state == 2 && inFlight == 0 && followers == 0 && !freed && extents.size() > 0)
            {
                freed = true;
                return true;
            }
            return false;
        }

        @Override
        public synchronized long written()
        {
            return written;
        }

        @Override
        public void commit()
        {
            commit(new WriteReceipt[0]);
        }

        @Override
        public void commit(final WriteReceipt... receipts)
        {
            final boolean ranged;
            final long length;
            synchronized (this)
            {
                Checks.requireState(state == 0, "writer of key %s is no longer open", key);
                Checks.requireState(inFlight == 0, "writer of key %s has %d writes in progress; commit after they " +
                    "end", key, inFlight);
                ranged = rangesHandedOut > 0;
                if (ranged)
                {
                    for (final WriteReceipt receipt : receipts)
                    {
                        accept(receipt);
                    }
                    Checks.requireState(rangesHandedOut == declared, "ranges of key %s cover %d of its %d bytes; " +
                        "allocate and fill the rest", key, rangesHandedOut, declared);
                    Checks.requireState(rangesOpen.isEmpty(), "ranges of key %s at offsets %s have no receipt",
                        key, new java.util.TreeSet<>(rangesOpen));
                    written = declared;
                }
                length = written;
                Checks.requireState(declared < 0 || length == declared, "body of key %s is %d bytes, short of its " +
                    "declared length of %d; write the rest or abort", key, length, declared);
                // From here on abort() leaves the writer alone: the commit finishes or fails by itself.
                state = 3;
            }
            final Entry entry;
            final ExtentList spare;
            try
            {
                ensureRoom(length);
                final long needed = blocksFor(reservedHeader + length);
                spare = extents.tail(needed);
                final ExtentList kept = extents.head(needed);
                final long now = config.clock().millis();
                final long seq = sequence.incrementAndGet();
                final int valueCrc = ranged ? crcOfWrittenBody(length) : (int)crc.getValue();
                final long[] freshness = freshnessAt(now);
                final long hardExpiry = new Freshness(freshness[0], freshness[1], freshness[2]).hardExpiryMillis();
                final ByteBuffer header = EntryHeader.encode(keyBytes, kept, length, seq, now, hardExpiry, valueCrc,
                    creationId, metadata, reservedHeader, freshness);
                file.write(kept, 0, header);
                entry = new Entry(key, keyBytes, seq, kept, reservedHeader, length, valueCrc, now, hardExpiry, true,
                    freshness);
                synchronized (this)
                {
                    for (int i = 0; i < followers; i++)
                    {
                        entry.tryPin();
                    }
                    committed = entry;
                    extents = kept;
                    state = 1;
                    notifyAll();
                }
            }
            catch (final IOException | RuntimeException | Error e)
            {
                failCommit();
                throw e instanceof IOException io ? ioFailure("commit of key " + key, io) : rethrow(e);
            }
            writing.remove(key, this);
            if (spare.size() > 0)
            {
                freeExtents(spare);
            }
            publish(entry, keyBytes);
        }

        /** A commit that failed before publishing: the writer is aborted and its blocks go when nothing holds them. */
        private void failCommit()
        {
            markAborted(false);
        }

        /**
         * Moves the writer to aborted (only from open when {@code onlyIfOpen}), wakes its followers, and frees its
         * blocks if nothing holds them any more.
         */
        private void markAborted(final boolean onlyIfOpen)
        {
            final boolean freeNow;
            synchronized (this)
            {
                if (onlyIfOpen && state != 0)
                {
                    return;
                }
                state = 2;
                notifyAll();
                freeNow = takeFreeLocked();
            }
            writing.remove(key, this);
            if (freeNow)
            {
                freeExtents(extents);
            }
        }

        @Override
        public WriteRange allocateRange(final long length)
        {
            final long offset;
            synchronized (this)
            {
                Checks.requireState(state == 0, "writer of key %s is no longer open", key);
                Checks.requireState(declared >= 0, "writer of key %s has no declared length: ranges need one", key);
                Checks.requireState(written == 0, "writer of key %s was written sequentially; ranges cannot be mixed " +
                    "in", key);
                Checks.requireArgument(length > 0 && length <= declared - rangesHandedOut, "range of %d bytes for key " +
                    "%s must be 1 to the %d bytes left of its declared %d", length, key, declared - rangesHandedOut,
                    declared);
                offset = rangesHandedOut;
                rangesHandedOut += length;
                rangesOpen.add(offset);
            }
            return new WriteRange()
            {
                private long filled;

                @Override
                public long offset()
                {
                    return offset;
                }

                @Override
                public long length()
                {
                    return length;
                }

                @Override
                public void write(final ByteBuffer chunk)
                {
                    final int n = chunk.remaining();
                    Checks.requireArgument(filled + n <= length, "chunk of %d bytes would overflow the range " +
                        "[%d, %d) of key %s, which has %d bytes left", n, offset, offset + length, key, length - filled);
                    synchronized (Writer.this)
                    {
                        Checks.requireState(state == 0, "writer of key %s is no longer open", key);
                        inFlight++;
                    }
                    try
                    {
                        file.write(extents, reservedHeader + offset + filled, chunk.duplicate());
                    }
                    catch (final IOException e)
                    {
                        throw ioFailure("write of a range of key " + key, e);
                    }
                    finally
                    {
                        endWrite(-1);
                    }
                    chunk.position(chunk.limit());
                    filled += n;
                }

                @Override
                public WriteReceipt receipt()
                {
                    Checks.requireState(filled == length, "range [%d, %d) of key %s has %d of its %d bytes", offset,
                        offset + length, key, filled, length);
                    return new WriteReceipt(offset, length, Writer.this);
                }
            };
        }

        @Override
        public void flushRange(final WriteReceipt receipt)
        {
            synchronized (this)
            {
                accept(receipt);
            }
            try
            {
                file.force();
            }
            catch (final IOException e)
            {
                throw ioFailure("flush of a range of key " + key, e);
            }
        }

        /** Records a receipt (guarded by this). */
        private void accept(final WriteReceipt receipt)
        {
            Checks.requireArgument(receipt != null && receipt.writer() == this, "receipt %s is not one of the " +
                "writer of key %s", receipt, key);
            rangesOpen.remove(receipt.offset());
        }

        /** The CRC32C of a body written in ranges, read back once it is complete. */
        private int crcOfWrittenBody(final long length)
        {
            final java.util.zip.CRC32C whole = new java.util.zip.CRC32C();
            final ByteBuffer chunk = ByteBuffer.allocateDirect((int)Math.min(1 << 20, Math.max(1, length)));
            try
            {
                for (long at = 0; at < length; at += chunk.limit())
                {
                    chunk.clear().limit((int)Math.min(chunk.capacity(), length - at));
                    file.read(extents, reservedHeader + at, chunk);
                    whole.update(chunk.flip());
                }
            }
            catch (final IOException e)
            {
                throw ioFailure("checksum of key " + key, e);
            }
            return (int)whole.getValue();
        }

        @Override
        public synchronized int followers()
        {
            return followers;
        }

        @Override
        public boolean abortIfUnfollowed()
        {
            synchronized (this)
            {
                if (state != 0 || followers > 0)
                {
                    return false;
                }
                abort();
                return true;
            }
        }

        @Override
        public void abort()
        {
            markAborted(true);
        }

        @Override
        public synchronized boolean isOpen()
        {
            return state == 0;
        }

        @Override
        public void close()
        {
            abort();
        }

        /**
         * A reader that follows this writer, or null once it has committed or aborted.
         */
        @Override
        public synchronized EntryReader follow()
        {
            if (state != 0)
            {
                return null;
            }
            followers++;
            return new EntryReader(key, new EntryReader.Source()
            {
                @Override
                public void read(final long valueOffset, final ByteBuffer dst) throws IOException
                {
                    file.read(extents, reservedHeader + valueOffset, dst);
                }

                @Override
                public long transferTo(final long valueOffset, final long length, final WritableByteChannel target)
                    throws IOException
                {
                    final long sent = file.transferTo(extents, reservedHeader + valueOffset, length, target);
                    sendfileTransfers.increment();
                    sendfileBytes.getAndAdd(sent);
                    return sent;
                }

                @Override
                public ByteBuffer metadata()
                {
                    return metadata.duplicate();
                }

                @Override
                public Freshness freshness()
                {
                    final long[] times = freshnessAt(config.clock().millis());
                    return new Freshness(times[0], times[1], times[2]);
                }

                @Override
                public long awaitAvailable(final long position)
                {
                    synchronized (Writer.this)
                    {
                        try
                        {
                            while ((state == 0 || state == 3) && written <= position)
                            {
                                Writer.this.wait();
                            }
                        }
                        catch (final InterruptedException e)
                        {
                            Thread.currentThread().interrupt();
                            throw new CacheIoException(CacheIoException.Reason.IO, "interrupted waiting for the " +
                                "writer of key " + key, e);
                        }
                        if (written > position)
                        {
                            // Bytes written before a failure are still served; the failure shows after them.
                            return written - position;
                        }
                        if (state == 2)
                        {
                            throw new CacheIoException(CacheIoException.Reason.IO, "the writer of key " + key +
                                " failed after " + written + " bytes, before the end of the body");
                        }
                        return 0;
                    }
                }

                @Override
                public long size()
                {
                    synchronized (Writer.this)
                    {
                        return declared >= 0 ? declared : state == 1 ? written : -1;
                    }
                }

                @Override
                public RuntimeException failure(final String what, final IOException e)
                {
                    return ioFailure(what, e);
                }

                @Override
                public void release()
                {
                    final Entry pinned;
                    final boolean freeNow;
                    synchronized (Writer.this)
                    {
                        followers--;
                        pinned = committed;
                        freeNow = pinned == null && takeFreeLocked();
                    }
                    if (pinned != null)
                    {
                        RawDiskCache.this.release(pinned);
                    }
                    else if (freeNow)
                    {
                        freeExtents(extents);
                    }
                }
            }).following();
        }

        /** Fresh until, stale-while-revalidate until, stale-if-error until, for an entry committed at {@code now}. */
        private long[] freshnessAt(final long now)
        {
            return freshnessWindows(now, ttl, options);
        }

        /** Takes more blocks, doubling, until the header and {@code bodyBytes} fit. */
        private void ensureRoom(final long bodyBytes)
        {
            final long neededBlocks = blocksFor(reservedHeader + bodyBytes);
            if (neededBlocks <= extents.blockCount())
            {
                return;
            }
            final long ceiling = blocksFor(reservedHeader + maxBytes);
            final long more = Math.min(ceiling - extents.blockCount(),
                Math.max(neededBlocks - extents.blockCount(), Math.max(16, extents.blockCount())));
            final int extentsLeft = EntryHeaderDescriptor.MAX_EXTENTS - extents.size();
            Checks.requireState(extentsLeft > 0, "body of key %s is scattered over %d extents, the most an entry may " +
                "have", key, extents.size());
            beforeAllocation();
            extents = extents.concat(allocateEvicting(key, more, config.clock().millis(), extentsLeft));
        }
    }

    /**
     * The cache as the checkpointer sees it.
     */
    private final class Host implements CheckpointHost
    {
        @Override
        public Snapshot snapshot()
        {
            // The replay point is read under the lock: every record before it is then reflected in the map. The
            // entries are gathered afterwards, without the lock; whatever changed meanwhile is in the journal after
            // the replay point, and replaying it is idempotent (stores by key, removes by sequence).
            final long replayLsn;
            final long nextSequence;
            index.lock();
            try
            {
                replayLsn = journal.appendLsn();
                nextSequence = sequence.get() + 1;
            }
            finally
            {
                index.unlock();
            }
            return new Snapshot(index.snapshotInEvictionOrder(), replayLsn, nextSequence);
        }

        @Override
        public ExtentList allocate(final long blocks, final int maxExtents)
        {
            return allocateEvicting(null, blocks, config.clock().millis(), maxExtents);
        }

        @Override
        public ExtentList allocateFree(final long blocks, final int maxExtents)
        {
            return allocateWithoutEvicting(blocks, maxExtents);
        }

        @Override
        public void free(final ExtentList extents)
        {
            freeExtents(extents);
        }
    }

    private long transfer(final String key, final long offset, final long length, final WritableByteChannel out)
    {
        Checks.requireArgument(out != null, "target channel for key %s must not be null", key);
        final Entry entry = acquire(key);
        if (entry == null)
        {
            return -1;
        }
        try
        {
            final long size = entry.valueLength();
            final long count = length < 0 ? size - offset : length;
            Checks.requireArgument(offset <= size && count <= size - offset,
                "range offset %d, length %d runs past the %d bytes of key %s", offset, count, size, key);
            if (!bytes.checkForTransfer(entry))
            {
                dropCorrupt(entry);
                return -1;
            }
            final long sent = file.transferTo(entry.extents(), entry.headerLength() + offset, count, out);
            sendfileTransfers.increment();
            sendfileBytes.getAndAdd(sent);
            return hit(entry, sent);
        }
        catch (final IOException e)
        {
            if (!out.isOpen())
            {
                throw new CacheIoException(CacheIoException.Reason.IO, "transfer of key " + key + " failed: the " +
                    "target channel " + out + " was closed (" + e + ")", e);
            }
            throw ioFailure("transfer of key " + key, e);
        }
        finally
        {
            release(entry);
        }
    }

    private Entry acquire(final String key)
    {
        checkLookupKey(key);
        ensureOpen();
        while (true)
        {
            final Entry entry = index.get(key);
            if (entry == null)
            {
                misses.increment();
                return null;
            }
            // The clock is read only for an entry that can expire: most of a proxy's entries can, but an entry
            // without a TTL spares every hit a clock read.
            if (entry.expiresAtMillis() != 0 && entry.isExpired(config.clock().millis()))
            {
                expire(entry);
                misses.increment();
                return null;
            }
            if (entry.tryPin())
            {
                return entry;
            }
            // Freed between the map read and the pin: the map no longer holds it; look again.
            Thread.onSpinWait();
        }
    }

    private void expire(final Entry entry)
    {
        if (removeFromIndex(entry))
        {
            expirations.increment();
        }
    }

    /**
     * Removes an entry if it is still the one mapped, and releases the index's reference to it.
     *
     * @return true when this call removed it.
     */
    private boolean removeFromIndex(final Entry entry)
    {
        final boolean removed;
        index.lock();
        try
        {
            removed = index.removeLocked(entry);
            if (removed)
            {
                entry.markDead(journal.appendRemove(entry));
                entries.decrement();
            }
        }
        finally
        {
            index.unlock();
        }
        if (removed)
        {
            release(entry);
        }
        return removed;
    }

    private <T> T hit(final Entry entry, final T result)
    {
        hits.increment();
        index.recordAccess(entry);
        return result;
    }

    private <T> T dropCorrupt(final Entry entry)
    {
        checksumFailures.increment();
        misses.increment();
        removeFromIndex(entry);
        return null;
    }

    private void releaseAfterView(final Entry entry)
    {
        pendingViewReleases.decrementAndGet();
        release(entry);
    }

    private void release(final Entry entry)
    {
        if (entry.unpin())
        {
            final long deathLsn = entry.deathLsn();
            freeWhenJournaled(entry.ownExtents(), deathLsn);
            final Entry.SharedBlocks shared = entry.sharedBlocks();
            if (shared != null && shared.release(deathLsn))
            {
                freeWhenJournaled(shared.extents(), shared.latestDeathLsn());
            }
        }
    }

    private void freeWhenJournaled(final ExtentList extents, final long deathLsn)
    {
        if (extents.size() == 0)
        {
            return;
        }
        if (deathLsn <= journal.writtenLsn())
        {
            freeExtents(extents);
        }
        else
        {
            deadBlocks.offer(new DeadBlocks(extents, deathLsn));
        }
    }

    /** A look without the monitor, for fast paths: may say empty while a drain is moving entries. */
    private boolean quarantineEmpty()
    {
        return quarantined == 0 && deadBlocks.isEmpty();
    }

    /** Exact: nothing waits for its journal record, nor is being handed over. */
    private boolean quarantineEmptyExactly()
    {
        synchronized (allocator)
        {
            return quarantine.isEmpty() && deadBlocks.isEmpty();
        }
    }

    /**
     * Frees the blocks of dead entries whose ending record is now written to the journal (write-ahead: a block is
     * overwritten only after the record that freed it is in the file), at most {@code max} entries' worth, oldest
     * first; with {@code all}, every such entry, in any order. Under the allocator's monitor, for no longer than the
     * frees take.
     *
     * @return how many blocks were freed.
     */
    private long freeJournaled(final int max, final boolean all)
    {
        long freed = 0;
        try
        {
            synchronized (allocator)
            {
                try
                {
                    DeadBlocks offered;
                    while ((offered = deadBlocks.poll()) != null)
                    {
                        quarantine.addLast(offered);
                    }
                    final long written = journal.writtenLsn();
                    int n = 0;
                    for (final java.util.Iterator<DeadBlocks> it = quarantine.iterator(); n < max && it.hasNext(); )
                    {
                        final DeadBlocks dead = it.next();
                        if (dead.deathLsn() > written)
                        {
                            if (all)
                            {
                                // Readers let go of dead entries out of order: an older death can sit behind it.
                                continue;
                            }
                            break;
                        }
                        it.remove();
                        allocator.free(dead.extents());
                        freed += dead.extents().blockCount();
                        n++;
                    }
                }
                finally
                {
                    quarantined = quarantine.size();
                }
            }
        }
        finally
        {
            // Also when a free failed (a defect; the allocator changed nothing for that entry, which is dropped and
            // its blocks leaked rather than risked twice): the frees before it stand and are counted.
            if (freed > 0)
            {
                usedBlocks.getAndAdd(-freed);
                freeBlocks.getAndAdd(freed);
            }
        }
        return freed;
    }

    /**
     * Called by the journal's flusher after it wrote records: frees what they made free, in batches of
     * {@value #FLUSHER_FREE_BATCH} entries, so that a store's allocation never waits long for the allocator.
     */
    private void freeJournaled()
    {
        while (!quarantineEmpty() && freeJournaled(FLUSHER_FREE_BATCH, false) > 0)
        {
            Thread.onSpinWait();
        }
    }

    /**
     * Allocates from free space without the index lock, after freeing a few dead entries whose journal records are
     * written: a store that needs no eviction takes the lock only to publish.
     *
     * @return the extents, or null when eviction (or a journal write) must make room first.
     */
    private ExtentList allocateWithoutEvicting(final long blocks, final int maxExtents)
    {
        final ExtentList extents;
        synchronized (allocator)
        {
            if (!quarantineEmpty())
            {
                freeJournaled(STORE_FREE_BATCH, false);
            }
            extents = allocator.allocate(blocks, maxExtents);
        }
        if (extents != null)
        {
            usedBlocks.getAndAdd(blocks);
            freeBlocks.getAndAdd(-blocks);
        }
        return extents;
    }

    private void freeExtents(final ExtentList extents)
    {
        allocator.free(extents);
        usedBlocks.getAndAdd(-extents.blockCount());
        freeBlocks.getAndAdd(extents.blockCount());
    }

    private ExtentList allocateFor(final String key, final int keyBytes, final int metadataBytes,
                                   final long valueLength, final long now)
    {
        int assumedExtents = 1;
        for (int round = 0; ; round++)
        {
            final long blocks = blocksFor(EntryHeaderDescriptor.headerLength(keyBytes, assumedExtents, metadataBytes) +
                valueLength);
            final ExtentList extents = allocateEvicting(key, blocks, now, EntryHeaderDescriptor.MAX_EXTENTS);
            final long needed = EntryHeaderDescriptor.headerLength(keyBytes, extents.size(), metadataBytes) +
                valueLength;
            if (needed <= extents.blockCount() * blockSize)
            {
                return extents;
            }
            // The extent list made the header spill into a block we did not ask for: ask again for enough.
            freeExtents(extents);
            assumedExtents = round + 1 < MAX_ALLOCATION_ROUNDS ? extents.size() : EntryHeaderDescriptor.MAX_EXTENTS;
        }
    }

    private ExtentList allocateEvicting(final String key, final long blocks, final long now, final int maxExtents)
    {
        if (blocks > dataBlocks)
        {
            throw new IllegalArgumentException(String.format("value for key %s needs %d blocks; the cache holds %d",
                key, blocks, dataBlocks));
        }
        final ExtentList free = allocateWithoutEvicting(blocks, maxExtents);
        if (free != null)
        {
            return free;
        }
        index.lock();
        try
        {
            boolean reclaimedViews = false;
            long waitDeadline = 0;
            while (true)
            {
                final ExtentList extents = allocateWithoutEvicting(blocks, maxExtents);
                if (extents != null)
                {
                    return extents;
                }
                final long freeAfterFailure = allocator.freeBlocks();
                if (!quarantineEmptyExactly())
                {
                    // Blocks of dead entries wait for their journal records: write the journal out (without the
                    // index lock, so that other stores publish meanwhile) and take them.
                    index.unlock();
                    try
                    {
                        flushJournal();
                    }
                    finally
                    {
                        index.lock();
                    }
                    freeJournaled(Integer.MAX_VALUE, true);
                }
                if (allocator.freeBlocks() != freeAfterFailure)
                {
                    // Blocks came free since the allocation failed (here, or by the flusher or a reader): retry.
                    continue;
                }
                // Short of blocks: plan enough evictions, or none at all. Enough blocks but too scattered: one more.
                // Evict a batch ahead (1/256 of the cache) when possible: the victims' blocks wait for their remove
                // records to be written, and one journal write per batch is cheaper than one per store.
                final long shortfall = Math.max(1, blocks - allocator.freeBlocks());
                List<Entry> victims = index.planEvictionLocked(now, key, shortfall + evictionBatch);
                if (victims == null)
                {
                    victims = index.planEvictionLocked(now, key, shortfall);
                }
                if (victims == null || victims.isEmpty())
                {
                    if (!reclaimedViews && mapping != null && pendingViewReleases.get() > 0)
                    {
                        // Closed views hold blocks until their grace period ends. Ending it costs a JVM-wide
                        // handshake, so only when evicting cannot make room otherwise, and once.
                        reclaimedViews = true;
                        mapping.reclaim();
                        continue;
                    }
                    if (waitDeadline == 0)
                    {
                        waitDeadline = System.nanoTime() + PIN_WAIT_NANOS;
                    }
                    if (System.nanoTime() < waitDeadline)
                    {
                        // Readers pin what could be evicted: give them a moment to let go (their views close, their
                        // grace periods end), without holding the index lock meanwhile.
                        index.unlock();
                        try
                        {
                            java.util.concurrent.locks.LockSupport.parkNanos(PIN_WAIT_STEP_NANOS);
                            if (mapping != null && pendingViewReleases.get() > 0)
                            {
                                mapping.reclaim();
                            }
                        }
                        finally
                        {
                            index.lock();
                        }
                        continue;
                    }
                    storeFailures.increment();
                    throw new CacheIoException(CacheIoException.Reason.NO_SPACE, String.format(
                        "no room for key %s: it needs %d blocks in at most %d extents; %d of %d blocks are free " +
                        "(largest run %d) and the entries that could be evicted hold too few, the rest being " +
                        "pinned by open readers or holding the checkpoints (%d blocks); nothing was evicted", key,
                        blocks, maxExtents, allocator.freeBlocks(), dataBlocks, allocator.largestFreeExtent(),
                        checkpointBlocks.get()));
                }
                for (final Entry victim : victims)
                {
                    index.removeLocked(victim);
                    victim.markDead(journal.appendRemove(victim));
                    entries.decrement();
                    if (victim.isExpired(now))
                    {
                        expirations.increment();
                    }
                    else
                    {
                        evictions.increment();
                    }
                    release(victim);
                }
            }
        }
        finally
        {
            index.unlock();
        }
    }

    private long blocksFor(final long bytes)
    {
        return (bytes + blockSize - 1) / blockSize;
    }

    private static void checkMetadata(final String key, final ByteBuffer metadata)
    {
        Checks.requireArgument(metadata != null, "metadata for key %s must not be null (pass an empty buffer)", key);
        if (metadata.remaining() > MAX_METADATA_BYTES)
        {
            throw new IllegalArgumentException(String.format("metadata of %d bytes for key %s is too large: the " +
                "limit is %d bytes", metadata.remaining(), key, MAX_METADATA_BYTES));
        }
    }

    /** The freshness of an entry whose metadata is updated now: renewed from {@code options}, else the old one. */
    private long[] renewed(final Entry old, final WriteOptions options, final long now)
    {
        if (options == null)
        {
            return old.freshness();
        }
        return freshnessWindows(now, options.ttl() != null ? options.ttl() : config.defaultTtl(), options);
    }

    /** Fresh until, stale-while-revalidate until, stale-if-error until, for an entry written at {@code now}. */
    private long[] freshnessWindows(final long now, final Duration ttl, final WriteOptions options)
    {
        final long freshUntil = expiresAt(now, ttl);
        if (freshUntil == 0)
        {
            return new long[]{0, 0, 0};
        }
        final Duration swr = options.staleWhileRevalidate();
        final Duration sie = options.staleIfError();
        return new long[]{freshUntil, swr == null ? 0 : saturatedAdd(freshUntil, CacheConfig.toMillisSaturated(swr)),
            sie == null ? 0 : saturatedAdd(freshUntil, CacheConfig.toMillisSaturated(sie))};
    }

    private long expiresAt(final long now, final Duration ttl)
    {
        return ttl == null ? 0 : saturatedAdd(now, CacheConfig.toMillisSaturated(ttl));
    }

    /** What every allocation for a new entry does first, outside the index lock. */
    private void beforeAllocation()
    {
        journal.awaitCapacity();
        if (mapping != null && pendingViewReleases.get() > 0)
        {
            // At most one handshake per grace period, so closed views' blocks come back within a few milliseconds
            // even when no new view arrives to end the period.
            mapping.reclaimIfStale();
        }
    }

    private static void checkLookupKey(final String key)
    {
        Checks.requireArgument(key != null, "key must not be null");
        Checks.requireArgument(!key.isEmpty(), "key must not be empty");
        if (key.length() > MAX_KEY_BYTES / 3)
        {
            // Only a key this long can exceed the limit in UTF-8 (3 bytes per char at most): encode to know.
            checkKey(key);
        }
    }

    private static byte[] checkKey(final String key)
    {
        Checks.requireArgument(key != null, "key must not be null");
        Checks.requireArgument(!key.isEmpty(), "key must not be empty");
        final byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_KEY_BYTES)
        {
            // Tested before formatting: the message's arguments would otherwise be built on every store and lookup.
            throw new IllegalArgumentException(String.format("key of %d bytes in UTF-8 is too long: the limit is " +
                "%d bytes (key starts \"%s\")", bytes.length, MAX_KEY_BYTES,
                key.substring(0, Math.min(40, key.length()))));
        }
        return bytes;
    }

    private void ensureOpen()
    {
        if (closed)
        {
            throw closedException();
        }
        final String failed = failure;
        if (failed != null)
        {
            throw new CacheIoException(CacheIoException.Reason.IO, "cache " + config.path() + " has failed: " + failed);
        }
    }

    private IllegalStateException closedException()
    {
        return new IllegalStateException("cache " + config.path() + " is closed");
    }

    private RuntimeException ioFailure(final String what, final IOException e)
    {
        if (e instanceof ClosedByInterruptException)
        {
            return new CacheIoException(CacheIoException.Reason.IO, what + " in " + config.path() + " was " +
                "interrupted; the cache stays usable", e);
        }
        if (closed)
        {
            final IllegalStateException closedError = closedException();
            closedError.initCause(e);
            return closedError;
        }
        if (e instanceof TargetFailedException)
        {
            // The client went away mid-transfer: not the cache file's failure, so not counted as one.
            return new CacheIoException(CacheIoException.Reason.IO, what + " stopped: " + e.getMessage() +
                "; the cache file is fine", e);
        }
        ioErrors.increment();
        final CacheIoException failed = new CacheIoException(CacheIoException.Reason.IO, what + " in " +
            config.path() + " failed: " + e, e);
        try
        {
            final long length = file.currentLength();
            if (length < file.superblock().fileLength())
            {
                // The file shrank under the cache: nothing it holds can be trusted any more.
                failure = "the file was truncated to " + length + " bytes under the running cache (it should be " +
                    file.superblock().fileLength() + ")";
            }
        }
        catch (final IOException ignored)
        {
            // the original failure is what matters
        }
        return failed;
    }

    private CacheIoException fault(final InternalError e, final Entry entry)
    {
        ioErrors.increment();
        final CacheIoException failed = MappedRegion.faulted(e, "key " + entry.key() + " of " + config.path());
        failure = failed.getMessage();
        return failed;
    }

    private static RuntimeException rethrow(final Throwable t)
    {
        if (t instanceof RuntimeException re)
        {
            return re;
        }
        throw (Error)t;
    }

    private static long saturatedAdd(final long a, final long b)
    {
        final long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }
}
