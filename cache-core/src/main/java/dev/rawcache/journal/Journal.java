package dev.rawcache.journal;

import dev.rawcache.Durability;
import dev.rawcache.index.Entry;
import dev.rawcache.io.CacheIoException;
import dev.rawcache.io.file.CacheFile;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

import static dev.rawcache.journal.JournalDescriptor.*;

/**
 * The writing side of the journal: an append-only log of stores and removals, in a ring in the cache file's metadata
 * region, that lets a restart rebuild the index from the last checkpoint without reading the entries.
 * <p>
 * <b>Appends</b> are memory copies into a pending buffer under a short lock, so the cache can append while it holds
 * its index lock (which keeps the journal in the same order as the index changes). <b>A flusher thread</b> writes the
 * pending bytes to the ring every {@link Durability#FLUSH_INTERVAL} (or at once when a store asks for durability),
 * and {@code fdatasync}s the file as the {@link Durability} mode says; {@link #durableLsn()} then moves on and waiting
 * stores wake up together (group commit).
 * <p>
 * <b>Space.</b> The ring must keep every record from the oldest checkpoint a restart may fall back to (the tail); the
 * flusher never writes past {@code tail + ring size}. Appends ask for a checkpoint when the log has grown by a third
 * of the ring since the newest one, and {@link #awaitCapacity()}, called before the index lock is taken, holds stores
 * back while the log is full or too much is pending, so no one ever waits for the journal while holding the index
 * lock.
 * <p>
 * Thread-safe.
 */
public final class Journal implements AutoCloseable
{
    private static final long MAX_PENDING_BYTES = 64L << 20;
    private static final int INITIAL_BUFFER = 1 << 20;

    private final CacheFile file;
    private final long ringOffset;
    private final long ringBytes;
    private final long creationId;
    private final Durability durability;
    private final Runnable checkpointRequest;
    private final Consumer<Throwable> onFailure;
    private final Runnable onWritten;
    private final long flushNanos;
    private final long syncNanos;

    private final ReentrantLock lock = new ReentrantLock();
    /** The appenders' checksum, reused under {@link #lock}. */
    private final CRC32C recordCrc = new CRC32C();
    private final byte[] crcSeed;
    private final Condition changed = lock.newCondition();
    private final ReentrantLock flushLock = new ReentrantLock();
    private ByteBuffer pending = ByteBuffer.allocate(INITIAL_BUFFER).order(ByteOrder.LITTLE_ENDIAN);
    private long pendingStartLsn;
    private volatile long tailLsn;
    private long newestCheckpointLsn;
    private boolean syncRequested;
    private boolean checkpointRequested;
    private long lastSyncNanos = System.nanoTime();
    private ByteBuffer flushBuffer = ByteBuffer.allocateDirect(INITIAL_BUFFER);

    private volatile long appendLsn;
    private volatile long writtenLsn;
    private volatile long durableLsn;
    private volatile boolean closed;
    private volatile Throwable failure;
    private final Thread flusher;

    /**
     * A journal that appends from {@code startLsn}.
     *
     * @param file              the cache file.
     * @param ringOffset        file offset of the ring.
     * @param ringBytes         ring length, a multiple of 8.
     * @param creationId        the file's creation id, seeding every CRC.
     * @param startLsn          where the log ends now (after recovery's last valid record).
     * @param tailLsn           the oldest LSN that must be kept (replay start of the oldest retained checkpoint).
     * @param newestCheckpointLsn replay start of the newest checkpoint.
     * @param durability        when to fsync.
     * @param checkpointRequest called, without blocking, when a checkpoint is due.
     * @param onFailure         called once when writing the journal fails; the journal is closed then.
     * @param onWritten         called by the flusher after it wrote records (the cache frees blocks then).
     */
    public Journal(final CacheFile file, final long ringOffset, final long ringBytes, final long creationId,
                   final long startLsn, final long tailLsn, final long newestCheckpointLsn,
                   final Durability durability, final Runnable checkpointRequest, final Consumer<Throwable> onFailure,
                   final Runnable onWritten)
    {
        this.onWritten = onWritten;
        this.file = file;
        this.ringOffset = ringOffset;
        this.ringBytes = ringBytes;
        this.creationId = creationId;
        this.crcSeed = seed(creationId);
        this.durability = durability;
        this.checkpointRequest = checkpointRequest;
        this.onFailure = onFailure;
        this.pendingStartLsn = startLsn;
        this.appendLsn = startLsn;
        this.writtenLsn = startLsn;
        this.durableLsn = startLsn;
        this.tailLsn = tailLsn;
        this.newestCheckpointLsn = newestCheckpointLsn;
        this.flushNanos = TimeUnit.MILLISECONDS.toNanos(Durability.FLUSH_INTERVAL.toMillis());
        this.syncNanos = durability.mode() == Durability.Mode.PERIODIC ? durability.interval().toNanos() : -1;
        this.flusher = Thread.ofPlatform().daemon().name("rawcache-journal-" + file.path().getFileName())
            .unstarted(this::runFlusher);
        flusher.start();
    }

    /**
     * Appends a store record.
     *
     * @param entry    the stored entry.
     * @param keyBytes the entry's key in UTF-8 ({@link Entry#keyBytes()}), which the caller has already.
     * @return the LSN just after the record.
     */
    public long appendStore(final Entry entry, final byte[] keyBytes)
    {
        final int length = HEADER_LENGTH + EntryRecord.length(entry);
        lock.lock();
        try
        {
            final ByteBuffer b = reserve(length, TYPE_STORE);
            EntryRecord.encode(entry, keyBytes, b);
            return seal(b, length);
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * Appends a remove record: the entry is gone (removed, evicted, expired or dropped).
     *
     * @param entry the removed entry.
     * @return the LSN just after the record.
     */
    public long appendRemove(final Entry entry)
    {
        final byte[] key = entry.keyBytes();
        final int length = EntryRecord.align8(HEADER_LENGTH + REMOVE_KEY_OFFSET + key.length);
        lock.lock();
        try
        {
            final ByteBuffer b = reserve(length, TYPE_REMOVE);
            b.putLong(entry.sequence()).putInt(key.length).putInt(0).put(key);
            return seal(b, length);
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * Waits, before the caller takes the index lock, while the log is full or too much is pending.
     *
     * @throws CacheIoException when the journal has failed or is closed.
     */
    public void awaitCapacity()
    {
        if (appendLsn - tailLsn <= ringBytes * 7 / 8 && appendLsn - writtenLsn <= MAX_PENDING_BYTES)
        {
            return;
        }
        lock.lock();
        try
        {
            while (!closed && failure == null &&
                (appendLsn - tailLsn > ringBytes * 7 / 8 || appendLsn - writtenLsn > MAX_PENDING_BYTES))
            {
                checkpointRequested = true;
                checkpointRequest.run();
                changed.signalAll();
                changed.await(10, TimeUnit.MILLISECONDS);
            }
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new CacheIoException(CacheIoException.Reason.IO, "interrupted waiting for journal space", e);
        }
        finally
        {
            lock.unlock();
        }
        requireHealthy();
    }

    /**
     * Waits until every record up to {@code lsn} is written and synced to the device.
     *
     * @param lsn the LSN to wait for.
     * @throws CacheIoException when the journal has failed or closed before that.
     */
    public void awaitDurable(final long lsn)
    {
        if (durableLsn >= lsn)
        {
            return;
        }
        lock.lock();
        try
        {
            syncRequested = true;
            changed.signalAll();
            while (durableLsn < lsn && failure == null && !closed)
            {
                changed.await(10, TimeUnit.MILLISECONDS);
                syncRequested = true;
            }
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new CacheIoException(CacheIoException.Reason.IO, "interrupted waiting for durability", e);
        }
        finally
        {
            lock.unlock();
        }
        if (durableLsn < lsn)
        {
            requireHealthy();
            throw new CacheIoException(CacheIoException.Reason.IO, "journal closed before the store was durable");
        }
    }

    /**
     * Writes everything pending (as far as the ring allows) and, if asked, syncs the file.
     *
     * @param sync whether to {@code fdatasync} afterwards.
     * @throws IOException when writing fails.
     */
    public void flush(final boolean sync) throws IOException
    {
        flushOnce(sync);
    }

    /**
     * Where the next record goes.
     *
     * @return the LSN at the end of the log.
     */
    public long appendLsn()
    {
        return appendLsn;
    }

    /**
     * How far the log is written to the file.
     *
     * @return the LSN up to which records are in the page cache.
     */
    public long writtenLsn()
    {
        return writtenLsn;
    }

    /**
     * How far the log is synced to the device.
     *
     * @return the LSN up to which records are durable.
     */
    public long durableLsn()
    {
        return durableLsn;
    }

    /**
     * The ring's length.
     *
     * @return bytes.
     */
    public long ringBytes()
    {
        return ringBytes;
    }

    /**
     * Records that a checkpoint committed: the log before {@code tailLsn} may be overwritten, and the next checkpoint
     * is due a third of the ring after {@code newestCheckpointLsn}.
     *
     * @param tailLsn             replay start of the oldest retained checkpoint.
     * @param newestCheckpointLsn replay start of the newest checkpoint.
     */
    public void checkpointed(final long tailLsn, final long newestCheckpointLsn)
    {
        lock.lock();
        try
        {
            this.tailLsn = tailLsn;
            this.newestCheckpointLsn = newestCheckpointLsn;
            checkpointRequested = false;
            changed.signalAll();
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * Stops the flusher after writing and syncing what is pending. Idempotent.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        lock.lock();
        try
        {
            closed = true;
            changed.signalAll();
        }
        finally
        {
            lock.unlock();
        }
        try
        {
            flusher.join();
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
        if (failure == null)
        {
            try
            {
                flushOnce(true);
            }
            catch (final IOException e)
            {
                fail(e);
            }
        }
    }

    private ByteBuffer reserve(final int length, final short type)
    {
        requireHealthy();
        long lsn = pendingStartLsn + pending.position();
        final long inRing = lsn % ringBytes;
        final long left = ringBytes - inRing;
        if (left < length)
        {
            ensureRoom((int)left + length);
            if (left >= HEADER_LENGTH)
            {
                final ByteBuffer pad = pending.slice(pending.position(), (int)left).order(ByteOrder.LITTLE_ENDIAN);
                pad.putInt(LENGTH_OFFSET, (int)left).putShort(TYPE_OFFSET, TYPE_PAD).putShort(FLAGS_OFFSET, (short)0)
                    .putLong(LSN_OFFSET, lsn).putInt(RESERVED_OFFSET, 0);
                for (int i = HEADER_LENGTH; i < left; i += Long.BYTES)
                {
                    pad.putLong(i, 0);
                }
                pad.putInt(CRC_OFFSET, crc(pad, (int)left, creationId));
            }
            else
            {
                for (int i = 0; i < left; i++)
                {
                    pending.put(pending.position() + i, (byte)0);
                }
            }
            pending.position(pending.position() + (int)left);
            lsn += left;
        }
        ensureRoom(length);
        final ByteBuffer record = pending.slice(pending.position(), length).order(ByteOrder.LITTLE_ENDIAN);
        record.putInt(LENGTH_OFFSET, length).putShort(TYPE_OFFSET, type).putShort(FLAGS_OFFSET, (short)0)
            .putLong(LSN_OFFSET, lsn).putInt(CRC_OFFSET, 0).putInt(RESERVED_OFFSET, 0);
        record.position(HEADER_LENGTH);
        return record;
    }

    private long seal(final ByteBuffer record, final int length)
    {
        while (record.position() < length)
        {
            record.put((byte)0);
        }
        record.putInt(CRC_OFFSET, crc(recordCrc, crcSeed, record.array(), record.arrayOffset(), length));
        pending.position(pending.position() + length);
        final long end = pendingStartLsn + pending.position();
        appendLsn = end;
        if (!checkpointRequested && end - newestCheckpointLsn > ringBytes / 3)
        {
            checkpointRequested = true;
            checkpointRequest.run();
        }
        return end;
    }

    private void ensureRoom(final int bytes)
    {
        if (pending.remaining() >= bytes)
        {
            return;
        }
        int capacity = pending.capacity();
        while (capacity - pending.position() < bytes)
        {
            capacity *= 2;
        }
        final ByteBuffer grown = ByteBuffer.allocate(capacity).order(ByteOrder.LITTLE_ENDIAN);
        grown.put(pending.flip());
        pending = grown;
    }

    private void runFlusher()
    {
        while (true)
        {
            final boolean sync;
            lock.lock();
            try
            {
                if (!closed && !syncRequested)
                {
                    changed.await(flushNanos, TimeUnit.NANOSECONDS);
                }
                if (closed)
                {
                    return;
                }
                final boolean periodicDue = syncNanos > 0 && System.nanoTime() - lastSyncNanos >= syncNanos;
                sync = syncRequested || periodicDue;
                syncRequested = false;
            }
            catch (final InterruptedException e)
            {
                return;
            }
            finally
            {
                lock.unlock();
            }
            try
            {
                final long before = writtenLsn;
                flushOnce(sync);
                if (writtenLsn != before)
                {
                    onWritten.run();
                }
            }
            catch (final IOException | RuntimeException e)
            {
                fail(e);
                return;
            }
        }
    }

    private void flushOnce(final boolean sync) throws IOException
    {
        flushLock.lock();
        try
        {
            final long start;
            final int n;
            lock.lock();
            try
            {
                start = pendingStartLsn;
                final long limit = Math.min(pendingStartLsn + pending.position(), tailLsn + ringBytes);
                n = (int)Math.max(0, limit - start);
                if (n > 0)
                {
                    if (flushBuffer.capacity() < n)
                    {
                        flushBuffer = ByteBuffer.allocateDirect(Math.max(n, flushBuffer.capacity() * 2));
                    }
                    flushBuffer.clear();
                    flushBuffer.put(pending.slice(0, n)).flip();
                    pending.flip().position(n);
                    pending.compact();
                    pendingStartLsn += n;
                }
            }
            finally
            {
                lock.unlock();
            }
            if (n > 0)
            {
                writeRing(start, flushBuffer);
            }
            if (sync)
            {
                file.force();
            }
            lock.lock();
            try
            {
                writtenLsn = start + n;
                if (sync)
                {
                    durableLsn = start + n;
                    lastSyncNanos = System.nanoTime();
                }
                changed.signalAll();
            }
            finally
            {
                lock.unlock();
            }
        }
        finally
        {
            flushLock.unlock();
        }
    }

    private void writeRing(final long startLsn, final ByteBuffer bytes) throws IOException
    {
        long lsn = startLsn;
        while (bytes.hasRemaining())
        {
            final long inRing = lsn % ringBytes;
            final int n = (int)Math.min(bytes.remaining(), ringBytes - inRing);
            final ByteBuffer piece = bytes.slice(bytes.position(), n);
            file.writeAt(ringOffset + inRing, piece);
            bytes.position(bytes.position() + n);
            lsn += n;
        }
    }

    private void fail(final Throwable t)
    {
        lock.lock();
        try
        {
            if (failure == null)
            {
                failure = t;
            }
            closed = true;
            changed.signalAll();
        }
        finally
        {
            lock.unlock();
        }
        onFailure.accept(t);
    }

    private void requireHealthy()
    {
        final Throwable failed = failure;
        if (failed != null)
        {
            throw new CacheIoException(CacheIoException.Reason.IO, "the journal of " + file.path() +
                " failed: " + failed, failed);
        }
    }
}
