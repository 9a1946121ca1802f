package dev.rawcache.index;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Comparator;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantLock;

import org.jctools.queues.atomic.MpscAtomicArrayQueue;

/**
 * The key to entry map and the recency order that eviction follows.
 * <p>
 * <b>The problem.</b> Lookups must not wait for each other, yet every hit changes the LRU order, which is a linked
 * list that needs a lock. A lock taken on every hit would serialise all readers on one cache line.
 * <p>
 * <b>The choice.</b> The map is a {@link KeyTable}, an open-addressing table of entries read without locks and
 * written under the index lock (no node per entry: 32 bytes and one cache miss fewer per hit than a
 * {@code ConcurrentHashMap}). The LRU list and an expiry order are guarded by the same lock that writers (store,
 * remove, evict) hold only for in-memory work, never across I/O. A hit
 * takes the lock only if it is free ({@code tryLock}); otherwise it leaves the entry in a bounded MPSC buffer that
 * the next lock holder drains first, the way Caffeine's {@code BoundedLocalCache} records reads. So the order is
 * exact when there is no contention, and under contention a hit is applied a little later or, if the buffer is
 * full, dropped: recency is a hint, and losing a few hints under a storm of reads costs little.
 * <p>
 * <b>Large indexes defer the move.</b> In an index of at least {@value #YOUNG_WINDOW_MIN_ENTRIES} entries, a hit takes
 * no lock and moves nothing: it marks the entry (an opaque store of the recency clock into its stamp and a plain
 * store of a second-chance flag, into the entry the lookup has just read), and eviction, which walks from the least
 * recent end under the lock anyway, moves a marked entry to the most recent end instead of evicting it (the second
 * chance of CLOCK, with the list kept in order), up to a budget per walk (four per block wanted, plus
 * {@value #SECOND_CHANCES_MIN}), past which marked entries are evicted like the others. The order eviction follows is
 * then: entries not hit since they last became most recent, least recent first, then the ones hit since, in the
 * order they had last become most recent; {@link #keysInEvictionOrderLocked()} gives that order. Unlike exact LRU, an
 * entry hit since it last moved goes to the most recent end only when a walk reaches it, so it ranks after entries
 * stored after its hit, and entries hit since rank among themselves by when they last moved, not by when they were
 * hit. In exchange lookups are spared the lock and the writes to three entries' links that each move cost, which
 * with two threads hitting uniformly random keys bounced the list's head and the lock between the cores. A hit on an
 * entry whose stamp is already among the most recent sixteenth writes nothing at all, as memcached bumps an item at
 * most once a minute. A smaller index keeps the exact order: there a hit moves the entry at once, or through the
 * read buffer.
 * <p>
 * <b>Eviction order.</b> Expired entries go first, soonest-expired first; then the least recently used, skipping
 * entries that readers pin (their blocks could not be reused yet anyway) and the entry the current store replaces.
 * <p>
 * Thread-safe. Methods documented as "caller holds the lock" must run between {@link #lock()} and {@link #unlock()}.
 */
public final class EntryIndex
{
    private static final int READ_BUFFER_CAPACITY = 1024;
    /** From this many linked entries, hits on the most recent sixteenth are not moved. */
    static final int YOUNG_WINDOW_MIN_ENTRIES = 4096;
    /** Second chances an eviction walk gives at least, beyond four per block it must free. */
    private static final long SECOND_CHANCES_MIN = 1024;
    /** Attempts {@link #lock()} makes before it parks. */
    private static final int LOCK_SPINS = 128;
    private static final VarHandle RECENCY;
    private static final VarHandle LINKED;

    static
    {
        try
        {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            RECENCY = lookup.findVarHandle(EntryIndex.class, "recency", long.class);
            LINKED = lookup.findVarHandle(EntryIndex.class, "linked", int.class);
        }
        catch (final ReflectiveOperationException e)
        {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final KeyTable map;
    private final ReentrantLock lock = new ReentrantLock();
    private final MpscAtomicArrayQueue<Entry> readBuffer = new MpscAtomicArrayQueue<>(READ_BUFFER_CAPACITY);
    private final TreeSet<Entry> byExpiry = new TreeSet<>(
        Comparator.comparingLong(Entry::expiresAtMillis).thenComparingLong(Entry::sequence));
    /** Most recently used end. */
    private Entry head;
    /** Least recently used end. */
    private Entry tail;
    /** The recency clock: ticks each time an entry becomes most recent (written under the lock, read racily). */
    private long recency;
    /** How many entries the LRU list holds (written under the lock, read racily). */
    private int linked;

    /**
     * An empty index.
     */
    public EntryIndex()
    {
        this(16);
    }

    /**
     * An empty index sized for {@code expectedEntries}, so that filling it (as recovery does) never rehashes.
     *
     * @param expectedEntries how many entries it will hold soon.
     */
    public EntryIndex(final int expectedEntries)
    {
        this.map = new KeyTable(expectedEntries);
    }

    /**
     * The entry for a key, without touching the recency order.
     *
     * @param key the key.
     * @return the entry or null.
     */
    public Entry get(final String key)
    {
        return map.get(key);
    }

    /**
     * How many entries the map holds.
     *
     * @return the entry count.
     */
    public int size()
    {
        return map.size();
    }

    /**
     * Records a hit. In a large index, marks the entry for a second chance at eviction (no lock, nothing moves); in a
     * small one, makes the entry most recent now if the lock is free, or soon otherwise.
     *
     * @param entry the entry that was read.
     */
    public void recordAccess(final Entry entry)
    {
        final int linkedNow = (int)LINKED.getOpaque(this);
        if (linkedNow >= YOUNG_WINDOW_MIN_ENTRIES)
        {
            final long now = (long)RECENCY.getOpaque(this);
            if (now - entry.accessStamp() >= (linkedNow >>> 4))
            {
                entry.markReferenced(now);
            }
            return;
        }
        if (lock.tryLock())
        {
            try
            {
                drainReadBuffer();
                moveToHead(entry);
            }
            finally
            {
                lock.unlock();
            }
        }
        else
        {
            readBuffer.offer(entry);
        }
    }

    /**
     * Takes the index lock.
     */
    public void lock()
    {
        if (!lock.tryLock())
        {
            // The lock is held for a few microseconds (an allocation, a publish): spin on it for about as long
            // before parking, which would cost a context switch on each side. Measured in the peer comparison's
            // mixed phase (two threads storing): park and unpark took 9% of the time.
            int spins = LOCK_SPINS;
            while (!lock.tryLock())
            {
                if (--spins == 0)
                {
                    lock.lock();
                    break;
                }
                Thread.onSpinWait();
            }
        }
        drainReadBuffer();
    }

    /**
     * Releases the index lock.
     */
    public void unlock()
    {
        lock.unlock();
    }

    /**
     * Publishes an entry as the most recent, replacing any entry with the same key. Caller holds the lock.
     *
     * @param entry the new entry.
     * @return the replaced entry, already unlinked, whose index reference the caller must release; or null.
     */
    public Entry putLocked(final Entry entry)
    {
        final Entry old = map.put(entry);
        if (old != null)
        {
            unlink(old);
        }
        link(entry);
        return old;
    }

    /**
     * Why the index should not take this entry, or null when it may (see {@code KeyTable.refusal}): too many cached
     * keys share its key's hash code, or the index is full. Caller holds the lock.
     *
     * @param entry the entry about to be put.
     * @return the reason, naming the limit, or null.
     */
    public String refusalLocked(final Entry entry)
    {
        return map.refusal(entry);
    }

    /**
     * Removes the entry for a key. Caller holds the lock.
     *
     * @param key the key.
     * @return the removed entry, whose index reference the caller must release; or null.
     */
    public Entry removeLocked(final String key)
    {
        final Entry entry = map.remove(key);
        if (entry != null)
        {
            unlink(entry);
        }
        return entry;
    }

    /**
     * Removes a specific entry if it is still the one mapped. Caller holds the lock.
     *
     * @param entry the entry.
     * @return true when removed; the caller must release its index reference.
     */
    public boolean removeLocked(final Entry entry)
    {
        if (map.remove(entry))
        {
            unlink(entry);
            return true;
        }
        return false;
    }

    /**
     * Plans an eviction: the entries to evict, in eviction order, so that at least {@code blocksWanted} blocks come
     * free, or null when even evicting every candidate would not free that many (then nothing should be evicted:
     * a doomed store must not empty the cache). Candidates are: expired entries, soonest first (all of them, even
     * pinned ones, which free nothing now but are dead anyway); then the least recently used entries that no reader
     * pins and whose key is not {@code sparedKey}; last, the spared key's own entry if no reader pins it. Caller
     * holds the lock.
     *
     * @param nowMillis    the current time, epoch ms.
     * @param sparedKey    the key being stored, whose old entry goes last; may be null.
     * @param blocksWanted how many blocks must come free, at least 1.
     * @return the victims, still in the index, or null.
     */
    public java.util.List<Entry> planEvictionLocked(final long nowMillis, final String sparedKey,
                                                     final long blocksWanted)
    {
        final java.util.List<Entry> plan = new java.util.ArrayList<>();
        long freed = 0;
        for (final Entry e : byExpiry)
        {
            if (!e.isExpired(nowMillis))
            {
                break;
            }
            plan.add(e);
            freed += e.isPinnedByReaders() ? 0 : freedBy(e);
            if (freed >= blocksWanted)
            {
                return plan;
            }
        }
        Entry own = null;
        // Second chances are bounded per walk, so that one store never moves millions of entries under the lock
        // (every entry of a large index can have been hit since it last moved): past the budget, hit entries are
        // evicted like the others.
        long secondChances = linked >= YOUNG_WINDOW_MIN_ENTRIES ? 4 * blocksWanted + SECOND_CHANCES_MIN : 0;
        for (Entry e = tail, previous; e != null; e = previous)
        {
            previous = e.previous;
            if (secondChances > 0 && e.referenced && e != head)
            {
                // Hit since it last moved: it becomes most recent now, and the walk reaches it again last.
                secondChances--;
                moveToHead(e);
                continue;
            }
            if (e.isExpired(nowMillis) || e.isPinnedByReaders())
            {
                continue;
            }
            if (e.key().equals(sparedKey))
            {
                own = e;
                continue;
            }
            plan.add(e);
            freed += freedBy(e);
            if (freed >= blocksWanted)
            {
                return plan;
            }
        }
        if (own != null)
        {
            plan.add(own);
            freed += freedBy(own);
        }
        return freed >= blocksWanted ? plan : null;
    }

    /**
     * Every entry, least recently used first, without holding the lock: the map is iterated (weakly consistent: it
     * sees every entry present throughout, and may or may not see ones added or removed meanwhile) and sorted by
     * recency stamp, so stores never wait for a walk of a large index. With no concurrent change the order is exactly
     * the LRU order in a small index; in a large one it is the order of each entry's last hit or move (a hit writes
     * the stamp without moving the entry), which ranks an entry hit since it last moved by its hit, where the
     * eviction walk ranks it by when it reaches it.
     *
     * @return the entries in eviction order.
     */
    public Entry[] snapshotInEvictionOrder()
    {
        final Entry[] entries = map.values();
        // Hits move stamps while we sort: read each stamp once, then sort by the copies. Comparing live stamps
        // would give the sort an inconsistent order (and TimSort throws "Comparison method violates its general
        // contract"). Stamp and position are packed into one long when both fit; a stable index sort otherwise.
        final int n = entries.length;
        final long[] stamps = new long[n];
        for (int i = 0; i < n; i++)
        {
            stamps[i] = entries[i].accessStamp();
        }
        final Entry[] sorted = new Entry[n];
        final int indexBits = 64 - Long.numberOfLeadingZeros(Math.max(1, n - 1));
        long minStamp = 0;
        long maxStamp = 0;
        for (final long stamp : stamps)
        {
            minStamp = Math.min(minStamp, stamp);
            maxStamp = Math.max(maxStamp, stamp);
        }
        if (minStamp >= 0 && indexBits < 63 && maxStamp < (1L << (63 - indexBits)))
        {
            // Stamp and position in one long: a primitive sort, no boxing, for millions of entries.
            final long[] packed = new long[n];
            for (int i = 0; i < n; i++)
            {
                packed[i] = stamps[i] << indexBits | i;
            }
            java.util.Arrays.sort(packed);
            final long mask = (1L << indexBits) - 1;
            for (int i = 0; i < n; i++)
            {
                sorted[i] = entries[(int)(packed[i] & mask)];
            }
            return sorted;
        }
        final Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++)
        {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Long.compare(stamps[a], stamps[b]));
        for (int i = 0; i < n; i++)
        {
            sorted[i] = entries[order[i]];
        }
        return sorted;
    }

    /**
     * Every entry from least to most recently used. Caller holds the lock.
     *
     * @return the entries in eviction order.
     */
    public Entry[] entriesInEvictionOrderLocked()
    {
        final Entry[] entries = new Entry[linked];
        final boolean secondChances = linked >= YOUNG_WINDOW_MIN_ENTRIES;
        int i = 0;
        for (Entry e = tail; e != null && i < entries.length; e = e.previous)
        {
            if (!secondChances || !e.referenced || e == head)
            {
                entries[i++] = e;
            }
        }
        if (secondChances)
        {
            // Eviction moves the entries hit since they last moved to the most recent end, in list order.
            for (Entry e = tail; e != null && i < entries.length; e = e.previous)
            {
                if (e.referenced && e != head)
                {
                    entries[i++] = e;
                }
            }
        }
        return i == entries.length ? entries : java.util.Arrays.copyOf(entries, i);
    }

    /**
     * Keys from least to most recently used. Caller holds the lock. For tests and tools; O(n).
     *
     * @return the keys in eviction order.
     */
    public java.util.List<String> keysInEvictionOrderLocked()
    {
        final Entry[] entries = entriesInEvictionOrderLocked();
        final java.util.List<String> keys = new java.util.ArrayList<>(entries.length);
        for (final Entry e : entries)
        {
            keys.add(e.key());
        }
        return keys;
    }

    /** Blocks that evicting an unpinned entry frees now: its own, and shared ones if it is their last owner. */
    private static long freedBy(final Entry entry)
    {
        final Entry.SharedBlocks shared = entry.sharedBlocks();
        return entry.ownExtents().blockCount() +
            (shared != null && shared.owners() == 1 ? shared.extents().blockCount() : 0);
    }

    private void drainReadBuffer()
    {
        Entry entry;
        while ((entry = readBuffer.poll()) != null)
        {
            moveToHead(entry);
        }
    }

    private void moveToHead(final Entry entry)
    {
        if (!entry.linked || head == entry)
        {
            return;
        }
        detach(entry);
        attachAtHead(entry);
    }

    private void link(final Entry entry)
    {
        attachAtHead(entry);
        entry.linked = true;
        LINKED.setOpaque(this, linked + 1);
        if (entry.expiresAtMillis() != 0)
        {
            byExpiry.add(entry);
        }
    }

    private void unlink(final Entry entry)
    {
        if (!entry.linked)
        {
            return;
        }
        detach(entry);
        entry.linked = false;
        LINKED.setOpaque(this, linked - 1);
        if (entry.expiresAtMillis() != 0)
        {
            byExpiry.remove(entry);
        }
    }

    private void attachAtHead(final Entry entry)
    {
        final long stamp = recency + 1;
        RECENCY.setOpaque(this, stamp);
        entry.accessStamp(stamp);
        entry.referenced = false;
        entry.previous = null;
        entry.next = head;
        if (head != null)
        {
            head.previous = entry;
        }
        head = entry;
        if (tail == null)
        {
            tail = entry;
        }
    }

    private void detach(final Entry entry)
    {
        final Entry previous = entry.previous;
        final Entry next = entry.next;
        if (previous != null)
        {
            previous.next = next;
        }
        else
        {
            head = next;
        }
        if (next != null)
        {
            next.previous = previous;
        }
        else
        {
            tail = previous;
        }
        entry.previous = null;
        entry.next = null;
    }
}
