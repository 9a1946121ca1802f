package dev.rawcache.index;

import dev.rawcache.io.block.ExtentList;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One stored value as the index knows it: key, where its bytes are, how long they are and their checksum, when it
 * expires, and a reference count that pins its blocks.
 * <p>
 * <b>Pinning.</b> The index holds one reference from publication until the entry is removed, evicted, expired or
 * replaced; every reader ({@code lookup}, a zero-copy view, a transfer) takes one more with {@link #tryPin()} and
 * gives it back with {@link #unpin()}. The blocks go back to the allocator only when the count reaches zero, so no
 * block is reused while anyone can still read it. {@link #tryPin()} fails once the count has reached zero: a
 * reader that found the entry in the map a moment before it was freed treats it as a miss.
 * <p>
 * The immutable fields may be read from any thread; the LRU links are guarded by the {@link EntryIndex} lock;
 * the reference count and the verified flag are atomic.
 */
public final class Entry
{
    private static final VarHandle REFERENCES;
    private static final VarHandle ACCESS_STAMP;

    static
    {
        try
        {
            REFERENCES = MethodHandles.lookup().findVarHandle(Entry.class, "references", int.class);
            ACCESS_STAMP = MethodHandles.lookup().findVarHandle(Entry.class, "accessStamp", long.class);
        }
        catch (final ReflectiveOperationException e)
        {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * Bits of {@link #lengths} holding the header length: a header holds at most about 70 KiB (key, metadata,
     * extents), and one a metadata update puts in front of a shared body is padded to whole blocks, up to one block
     * (at most 1 MiB) more.
     */
    private static final int HEADER_LENGTH_BITS = 21;
    private static final int HEADER_LENGTH_MASK = (1 << HEADER_LENGTH_BITS) - 1;
    /** The longest key the other 11 bits describe (they hold the length less one): 2,048 bytes. */
    private static final int MAX_KEY_LENGTH = 1 << (32 - HEADER_LENGTH_BITS);

    // Index memory: every field here is paid once per cached entry (millions of them), so what most entries do not
    // need lives in objects allocated only by the entries that do (windows, sharing, a list of several extents).
    private final String key;
    /** The key's spread hash ({@link KeyTable#hash}): the index's table compares it before the key. */
    private final int keyHash;
    /**
     * The header length in the low {@value #HEADER_LENGTH_BITS} bits and the key's length in UTF-8, less one, above
     * them (the key's bytes are encoded again when needed, not kept).
     */
    private final int lengths;
    private final long sequence;
    /** The extents of an entry of two or more; null for one extent, which {@link #firstExtent} holds (index memory). */
    private final ExtentList extents;
    /** The first extent, packed: a read of a one-extent entry needs nothing else to find its bytes. */
    private final long firstExtent;
    private final long valueLength;
    private final int valueCrc;
    private final long createdAtMillis;
    private final long expiresAtMillis;
    /**
     * Fresh until, stale-while-revalidate until, stale-if-error until, for an entry with stale windows or a
     * freshness end other than its expiry; null for the usual entry, fresh until it expires, with no windows.
     */
    private final long[] windows;
    /** The index's reference plus one per reader; 0 once the blocks are released. Through {@link #REFERENCES}. */
    private volatile int references = 1;
    private volatile boolean verified;
    private volatile long deathLsn = -1;
    private volatile long accessStamp;
    /** Set by a metadata update that made this entry share its tail with its successor; null before that. */
    private volatile Sharing sharing;

    Entry previous;
    Entry next;
    boolean linked;
    /**
     * Hit since it last became most recent, in a large index ({@link EntryIndex}), unless its stamp was already among
     * the most recent sixteenth: eviction gives it a second chance (moves it to the most recent end) instead of
     * evicting it. Written by readers without the lock, read and cleared under it: a racy hint, as a hit recorded a
     * moment late or lost costs at most a slightly different victim.
     */
    boolean referenced;

    /**
     * A new entry, holding the index's reference.
     *
     * @param key             the key.
     * @param keyBytes        the key's UTF-8 bytes.
     * @param sequence        the store's unique sequence, also in the on-disk header.
     * @param extents         the blocks holding header and value.
     * @param headerLength    bytes of header before the value.
     * @param valueLength     bytes of value.
     * @param valueCrc        CRC32C of the value.
     * @param createdAtMillis when it was stored, epoch ms.
     * @param expiresAtMillis when it expires, epoch ms, 0 for never.
     * @param verified        whether its bytes are known good since the file was opened (true for a store made by
     *                        this process, which computed the checksum from the bytes it wrote).
     */
    public Entry(final String key, final byte[] keyBytes, final long sequence, final ExtentList extents,
                 final int headerLength, final long valueLength, final int valueCrc, final long createdAtMillis,
                 final long expiresAtMillis, final boolean verified)
    {
        this(key, keyBytes, sequence, extents, headerLength, valueLength, valueCrc, createdAtMillis, expiresAtMillis,
            verified, new long[]{expiresAtMillis, 0, 0});
    }

    /**
     * A new entry with freshness windows, holding the index's reference.
     *
     * @param key             the key.
     * @param keyBytes        the key's UTF-8 bytes.
     * @param sequence        the store's unique sequence, also in the on-disk header.
     * @param extents         the blocks holding header and value.
     * @param headerLength    bytes of header before the value.
     * @param valueLength     bytes of value.
     * @param valueCrc        CRC32C of the value.
     * @param createdAtMillis when it was stored, epoch ms.
     * @param expiresAtMillis when it stops being servable at all, epoch ms, 0 for never.
     * @param verified        whether its bytes are known good since the file was opened.
     * @param freshness       fresh until, stale-while-revalidate until, stale-if-error until (epoch ms; 0 = none).
     */
    public Entry(final String key, final byte[] keyBytes, final long sequence, final ExtentList extents,
                 final int headerLength, final long valueLength, final int valueCrc, final long createdAtMillis,
                 final long expiresAtMillis, final boolean verified, final long[] freshness)
    {
        if (headerLength < 0 || headerLength > HEADER_LENGTH_MASK || keyBytes.length < 1 ||
            keyBytes.length > MAX_KEY_LENGTH)
        {
            throw new IllegalArgumentException("header of " + headerLength + " bytes or key of " + keyBytes.length +
                " bytes is outside what an entry describes (header 0 to " + HEADER_LENGTH_MASK + ", key 1 to " +
                MAX_KEY_LENGTH + ")");
        }
        this.windows = freshness[0] == expiresAtMillis && freshness[1] == 0 && freshness[2] == 0 ? null :
            new long[]{freshness[0], freshness[1], freshness[2]};
        this.key = key;
        this.keyHash = KeyTable.hash(key);
        this.lengths = (keyBytes.length - 1) << HEADER_LENGTH_BITS | headerLength;
        this.sequence = sequence;
        this.extents = extents.size() == 1 ? null : extents;
        this.firstExtent = extents.size() > 0 ? extents.extent(0) : 0;
        this.valueLength = valueLength;
        this.valueCrc = valueCrc;
        this.createdAtMillis = createdAtMillis;
        this.expiresAtMillis = expiresAtMillis;
        this.verified = verified;
    }

    /**
     * Blocks shared by entries since a metadata update gave a new header to the same body: the old entry (still
     * pinned by its readers) and the new one both own them, and they are freed when the last owner dies.
     * <p>
     * Thread-safe.
     */
    public static final class SharedBlocks
    {
        private final ExtentList extents;
        private final AtomicInteger owners = new AtomicInteger();
        private final java.util.concurrent.atomic.AtomicLong latestDeathLsn = new java.util.concurrent.atomic.AtomicLong(-1);

        /**
         * Shared blocks with no owner yet.
         *
         * @param extents the shared blocks.
         */
        public SharedBlocks(final ExtentList extents)
        {
            this.extents = extents;
        }

        /**
         * The shared blocks.
         *
         * @return the extents.
         */
        public ExtentList extents()
        {
            return extents;
        }

        /**
         * Gives up one owner, which died with the journal record ending at {@code deathLsn}.
         *
         * @param deathLsn the LSN after the record that ended that owner.
         * @return true when it was the last: the caller frees the blocks once the journal is written to
         * {@link #latestDeathLsn()}.
         */
        public boolean release(final long deathLsn)
        {
            latestDeathLsn.accumulateAndGet(deathLsn, Math::max);
            return owners.decrementAndGet() == 0;
        }

        /**
         * The latest journal position at which an owner died: the blocks may be reused only once the journal is
         * written that far, whichever owner happened to be released last.
         *
         * @return the LSN.
         */
        public long latestDeathLsn()
        {
            return latestDeathLsn.get();
        }

        /**
         * How many entries own the blocks now.
         *
         * @return the owner count.
         */
        public int owners()
        {
            return owners.get();
        }
    }

    /**
     * The blocks this entry alone frees when it dies.
     *
     * @return its own extents.
     */
    public ExtentList ownExtents()
    {
        final Sharing now = sharing;
        return now != null ? now.own() : extents();
    }

    /**
     * The blocks it shares with other entries, or null.
     *
     * @return the shared blocks or null.
     */
    public SharedBlocks sharedBlocks()
    {
        final Sharing now = sharing;
        return now != null ? now.shared() : null;
    }

    /** What a metadata update left this entry owning alone, and the blocks it co-owns. */
    private record Sharing(ExtentList own, SharedBlocks shared)
    {
    }

    /**
     * Makes this entry one owner of shared blocks: afterwards it frees only {@code ownExtents} itself. Called under
     * the index lock, while the entry is pinned, by a metadata update.
     *
     * @param ownExtents the blocks it still owns alone.
     * @param blocks     the shared blocks it now co-owns (must be the rest of its extents).
     */
    public void share(final ExtentList ownExtents, final SharedBlocks blocks)
    {
        final Sharing now = sharing;
        if (now != null && now.shared() == blocks)
        {
            return;
        }
        blocks.owners.incrementAndGet();
        sharing = new Sharing(ownExtents, blocks);
    }

    /**
     * The key.
     *
     * @return the key.
     */
    public String key()
    {
        return key;
    }

    /**
     * The key's spread hash, as the index's table probes by it.
     *
     * @return the hash.
     */
    int keyHash()
    {
        return keyHash;
    }

    /** The index table's marker for a removed slot: no key, no blocks, never pinned. */
    static Entry tombstone()
    {
        final String key = "\u0000removed";
        final Entry marker = new Entry(key, key.getBytes(StandardCharsets.UTF_8), -1, ExtentList.empty(), 0, 0, 0, 0, 0,
            false);
        marker.references = 0;
        return marker;
    }

    /**
     * The key's UTF-8 bytes, encoded anew by each call (the entry keeps only the key, to save index memory).
     *
     * @return a new array.
     */
    public byte[] keyBytes()
    {
        return key.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The length of the key in UTF-8, without encoding it.
     *
     * @return bytes.
     */
    public int keyByteLength()
    {
        return (lengths >>> HEADER_LENGTH_BITS) + 1;
    }

    /**
     * The store's unique sequence.
     *
     * @return the sequence.
     */
    public long sequence()
    {
        return sequence;
    }

    /**
     * Where the entry's header and value are.
     *
     * @return the extents.
     */
    public ExtentList extents()
    {
        return extents != null ? extents : ExtentList.of(ExtentList.firstBlock(firstExtent),
            ExtentList.count(firstExtent));
    }

    /**
     * How many extents {@link #extents()} has, without building the list.
     *
     * @return the extent count: 1 for an entry in one run of blocks.
     */
    public int extentCount()
    {
        return extents != null ? extents.size() : 1;
    }

    /**
     * The packed extent at {@code index} of {@link #extents()}, without building the list.
     *
     * @param index from 0 to {@code extentCount() - 1}.
     * @return the packed extent, as {@link ExtentList#pack(long, long)} makes it.
     */
    public long extent(final int index)
    {
        if (extents != null)
        {
            return extents.extent(index);
        }
        if (index != 0)
        {
            throw new IndexOutOfBoundsException("extent " + index + " of an entry with one extent");
        }
        return firstExtent;
    }

    /**
     * The first of {@link #extents()}, packed as {@link ExtentList#pack(long, long)} does, held in the entry itself:
     * the hot read path of a small entry needs nothing else to find its bytes.
     *
     * @return the packed first extent, or 0 when the entry has no blocks.
     */
    public long firstExtent()
    {
        return firstExtent;
    }

    /**
     * Bytes of header before the value.
     *
     * @return the header length.
     */
    public int headerLength()
    {
        return lengths & HEADER_LENGTH_MASK;
    }

    /**
     * Bytes of value.
     *
     * @return the value length.
     */
    public long valueLength()
    {
        return valueLength;
    }

    /**
     * CRC32C of the value.
     *
     * @return the checksum.
     */
    public int valueCrc()
    {
        return valueCrc;
    }

    /**
     * When the entry was stored.
     *
     * @return epoch milliseconds.
     */
    public long createdAtMillis()
    {
        return createdAtMillis;
    }

    /**
     * When the entry expires.
     *
     * @return epoch milliseconds, 0 for never.
     */
    public long expiresAtMillis()
    {
        return expiresAtMillis;
    }

    /**
     * When the entry stops being fresh.
     *
     * @return epoch ms, 0 for forever.
     */
    public long freshUntilMillis()
    {
        final long[] w = windows;
        return w != null ? w[0] : expiresAtMillis;
    }

    /**
     * When its stale-while-revalidate window ends.
     *
     * @return epoch ms, 0 for none.
     */
    public long staleWhileRevalidateUntilMillis()
    {
        final long[] w = windows;
        return w != null ? w[1] : 0;
    }

    /**
     * When its stale-if-error window ends.
     *
     * @return epoch ms, 0 for none.
     */
    public long staleIfErrorUntilMillis()
    {
        final long[] w = windows;
        return w != null ? w[2] : 0;
    }

    /**
     * The three freshness times, as {@link #Entry} takes them.
     *
     * @return fresh until, stale-while-revalidate until, stale-if-error until.
     */
    public long[] freshness()
    {
        final long[] w = windows;
        return w != null ? w.clone() : new long[]{expiresAtMillis, 0, 0};
    }

    /**
     * Whether the entry has expired at {@code nowMillis}.
     *
     * @param nowMillis the current time, epoch ms.
     * @return true once its expiry time has come.
     */
    public boolean isExpired(final long nowMillis)
    {
        return expiresAtMillis != 0 && nowMillis >= expiresAtMillis;
    }

    /**
     * Whether the value's checksum has been verified since the file was opened.
     *
     * @return true when verified.
     */
    public boolean isVerified()
    {
        return verified;
    }

    /**
     * Records that the value's checksum was verified.
     */
    public void markVerified()
    {
        if (!verified)
        {
            verified = true;
        }
    }

    /**
     * When the entry was last made most recent or, in a large index, last hit, on the index's recency clock:
     * ordering entries by it gives the recency order without walking the list under the lock.
     *
     * @return the stamp; higher is more recent.
     */
    public long accessStamp()
    {
        return accessStamp;
    }

    void accessStamp(final long stamp)
    {
        accessStamp = stamp;
    }

    /**
     * Records a hit in a large index without the lock: the recency stamp of now by an opaque store and the
     * second-chance mark by a plain one (no fence: a lookup pays writes to a cache line it has just read).
     *
     * @param stamp the index's recency clock now.
     */
    void markReferenced(final long stamp)
    {
        ACCESS_STAMP.setOpaque(this, stamp);
        referenced = true;
    }

    /**
     * Records the journal position of the record that ended this entry (its remove, or the store that replaced it):
     * its blocks may be reused only once the journal is written that far, or a crash could bring the entry back over
     * another entry's bytes.
     *
     * @param lsn the LSN just after that record.
     */
    public void markDead(final long lsn)
    {
        deathLsn = lsn;
    }

    /**
     * The journal position after the record that ended this entry.
     *
     * @return the LSN, or -1 while the entry is live (or was never published).
     */
    public long deathLsn()
    {
        return deathLsn;
    }

    /**
     * Takes a reference, unless the entry's blocks were already released.
     *
     * @return true when pinned; the caller must {@link #unpin()}.
     */
    public boolean tryPin()
    {
        while (true)
        {
            final int count = references;
            if (count <= 0)
            {
                return false;
            }
            if (REFERENCES.compareAndSet(this, count, count + 1))
            {
                return true;
            }
        }
    }

    /**
     * Gives back a reference.
     *
     * @return true when this was the last one: the caller must now free the entry's blocks.
     */
    public boolean unpin()
    {
        final int count = (int)REFERENCES.getAndAdd(this, -1) - 1;
        if (count < 0)
        {
            throw new IllegalStateException("entry " + key + " unpinned more often than pinned");
        }
        return count == 0;
    }

    /**
     * Whether readers hold references besides the index's.
     *
     * @return true while a reader pins it.
     */
    public boolean isPinnedByReaders()
    {
        return references > 1;
    }

    @Override
    public String toString()
    {
        return "Entry{key=" + key + ", sequence=" + sequence + ", extents=" + extents() + ", valueLength=" +
            valueLength + ", expiresAt=" + expiresAtMillis + '}';
    }
}
