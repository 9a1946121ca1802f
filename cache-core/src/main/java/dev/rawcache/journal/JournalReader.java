package dev.rawcache.journal;

import dev.rawcache.index.Entry;
import dev.rawcache.io.file.CacheFile;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static dev.rawcache.journal.JournalDescriptor.*;

/**
 * The reading side of the journal: replays the records from an LSN until the log ends, that is, until a record whose
 * length, LSN or CRC is not the expected one (a torn tail, or an older lap of the ring).
 * <p>
 * Reads the ring in windows of a few MiB with positional reads. Not thread-safe; used once, by recovery.
 */
public final class JournalReader
{
    private static final int WINDOW = 4 << 20;

    /**
     * What a replay finds.
     */
    public interface Visitor
    {
        /**
         * A store record.
         *
         * @param entry the stored entry, not yet verified.
         */
        void store(Entry entry);

        /**
         * A remove record.
         *
         * @param sequence the removed entry's sequence.
         * @param key      its key.
         */
        void remove(long sequence, String key);
    }

    private final CacheFile file;
    private final long ringOffset;
    private final long ringBytes;
    private final long creationId;
    private final ByteBuffer window = ByteBuffer.allocateDirect(WINDOW).order(ByteOrder.LITTLE_ENDIAN);
    private long windowLsn = -1;
    private int windowLength;
    private long records;

    /**
     * A reader of the ring.
     *
     * @param file       the cache file.
     * @param ringOffset file offset of the ring.
     * @param ringBytes  ring length.
     * @param creationId the file's creation id.
     */
    public JournalReader(final CacheFile file, final long ringOffset, final long ringBytes, final long creationId)
    {
        this.file = file;
        this.ringOffset = ringOffset;
        this.ringBytes = ringBytes;
        this.creationId = creationId;
    }

    /**
     * Replays the log from {@code startLsn}.
     *
     * @param startLsn where to start.
     * @param visitor  what to do with each record.
     * @return the LSN just after the last valid record: where appending goes on.
     * @throws IOException when reading fails.
     */
    public long replay(final long startLsn, final Visitor visitor) throws IOException
    {
        long lsn = startLsn;
        while (true)
        {
            final long inRing = lsn % ringBytes;
            if (ringBytes - inRing < HEADER_LENGTH)
            {
                lsn += ringBytes - inRing;
                continue;
            }
            final ByteBuffer header = bytesAt(lsn, HEADER_LENGTH);
            final int length = header.getInt(LENGTH_OFFSET);
            if (length < HEADER_LENGTH || length > MAX_RECORD_LENGTH || (length & 7) != 0 ||
                length > ringBytes - inRing || header.getLong(LSN_OFFSET) != lsn)
            {
                return lsn;
            }
            final ByteBuffer record = bytesAt(lsn, length);
            if (record.getInt(CRC_OFFSET) != crc(record, length, creationId))
            {
                return lsn;
            }
            final short type = record.getShort(TYPE_OFFSET);
            final ByteBuffer payload = record.slice(HEADER_LENGTH, length - HEADER_LENGTH)
                .order(ByteOrder.LITTLE_ENDIAN);
            if (type == TYPE_STORE)
            {
                final Entry entry = EntryRecord.decode(payload, payload.remaining());
                if (entry == null)
                {
                    return lsn;
                }
                visitor.store(entry);
            }
            else if (type == TYPE_REMOVE)
            {
                final int keyLength = payload.getInt(REMOVE_KEY_LENGTH_OFFSET);
                if (keyLength < 1 || REMOVE_KEY_OFFSET + keyLength > payload.remaining())
                {
                    return lsn;
                }
                final byte[] key = new byte[keyLength];
                payload.get(REMOVE_KEY_OFFSET, key);
                visitor.remove(payload.getLong(REMOVE_SEQUENCE_OFFSET), new String(key, StandardCharsets.UTF_8));
            }
            else if (type != TYPE_PAD)
            {
                return lsn;
            }
            records++;
            lsn += length;
        }
    }

    /**
     * How many records the replay applied.
     *
     * @return the record count.
     */
    public long records()
    {
        return records;
    }

    private ByteBuffer bytesAt(final long lsn, final int length) throws IOException
    {
        if (windowLsn < 0 || lsn < windowLsn || lsn + length > windowLsn + windowLength)
        {
            final long inRing = lsn % ringBytes;
            final int n = (int)Math.min(WINDOW, ringBytes - inRing);
            window.clear().limit(n);
            file.readAt(ringOffset + inRing, window);
            windowLsn = lsn;
            windowLength = n;
        }
        return window.slice((int)(lsn - windowLsn), length).order(ByteOrder.LITTLE_ENDIAN);
    }
}
