package dev.rawcache.index;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * The index's map from key to entry: an open-addressing table of entry references with linear probing, written by
 * one thread at a time (the holder of the index lock) and read by any number without a lock.
 * <p>
 * <b>Why not {@code ConcurrentHashMap}.</b> Its node per mapping costs 32 bytes and one more cache miss on every
 * lookup (table slot, node, then the entry); here the slot holds the entry, which carries its key and the key's
 * spread hash, so a hit reads the slot and the entry. At the load this table keeps (at most half full) a slot and
 * its tag cost 10 to 20 bytes per entry with compressed references.
 * <p>
 * <b>Concurrency.</b> Writers are serialized by the caller. A slot changes by a release store (a new entry, a
 * replacement, or {@link #TOMBSTONE} for a removal) and readers load slots with acquire, so a reader that finds an
 * entry sees it fully built. Removals leave tombstones rather than shifting the probe chain, so a reader walking a
 * chain never misses an entry that was in the table for the whole walk. Growing or clearing tombstones builds a new
 * array and publishes it through a volatile field; the old array is never written again, so a reader still on it
 * sees a consistent, slightly older table (as a {@code ConcurrentHashMap} reader may return an entry removed a
 * moment ago; the caller's pin then fails, or holds the blocks of the entry it found).
 * <p>
 * <b>Hashes.</b> Slots are chosen by the key's {@code String} hash code through MurmurHash3's finalizer, so URLs
 * that differ in their last characters do not fill one run of slots. Keys with one and the same hash code, which a
 * client can make at will, all probe from one slot: the table takes at most {@link #MAX_SAME_HASH} of them
 * ({@link #refusal}), so no lookup walks a longer group (a {@code ConcurrentHashMap} would turn their bin into a
 * tree instead).
 * <p>
 * Thread-safe under that contract: {@link #get}, {@link #size} and {@link #values} from any thread; the mutators
 * only under the caller's lock.
 */
final class KeyTable
{
    /** Marks a removed slot: probing goes past it, an insertion may reuse it. */
    static final Entry TOMBSTONE = Entry.tombstone();
    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(Entry[].class);
    private static final VarHandle SIZE;
    private static final int MIN_CAPACITY = 16;
    /**
     * The most entries whose keys share one {@code String} hash code the table takes. Linear probing walks every
     * entry of such a group on each lookup of any of them, and a client choosing request URLs can make as many
     * colliding keys as it likes (a {@code ConcurrentHashMap} turns such a bin into a tree; this table refuses the
     * seventeenth key instead, so no lookup walks more than sixteen).
     */
    static final int MAX_SAME_HASH = 16;
    /** The most entries: the table stays at most half full and an array holds at most 2^30 slots. */
    static final int MAX_ENTRIES = 1 << 29;

    static
    {
        try
        {
            SIZE = MethodHandles.lookup().findVarHandle(KeyTable.class, "size", int.class);
        }
        catch (final ReflectiveOperationException e)
        {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile Table table;
    private int size;
    private int tombstones;

    /**
     * Creates a table sized for {@code expectedEntries} without growing.
     *
     * @param expectedEntries how many entries it should hold before it first grows.
     */
    KeyTable(final int expectedEntries)
    {
        table = new Table(capacityFor(expectedEntries));
    }

    /**
     * One generation of the table: the entry references and, beside them, a one-byte tag per slot (the top byte of
     * its entry's spread hash), so a probe passes a slot holding another key by comparing a byte in a dense array,
     * not by loading that entry (a cache miss each in a large index): 255 of 256 such slots are passed so, for one
     * byte per slot of memory. A slot's tag is written before the slot is published (release) and does not change
     * while the slot holds that entry; readers load the slot with acquire first, then its tag.
     */
    private static final class Table
    {
        final Entry[] slots;
        final byte[] tags;
        final int mask;

        Table(final int capacity)
        {
            slots = new Entry[capacity];
            tags = new byte[capacity];
            mask = capacity - 1;
        }
    }

    /** The slot tag of a spread hash: its top byte (its low bits choose the slot). */
    private static byte tag(final int hash)
    {
        return (byte)(hash >>> 24);
    }

    /**
     * The spread hash of a key, as entries store it: the string's hash through MurmurHash3's finalizer. Keys that
     * differ only in their last characters (URLs do) have hash codes a few apart, which linear probing would lay in
     * one long run of slots; the finalizer scatters them over the table.
     *
     * @param key the key.
     * @return the hash.
     */
    static int hash(final String key)
    {
        int h = key.hashCode();
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        return h ^ (h >>> 16);
    }

    private static int capacityFor(final int entries)
    {
        final long wanted = Math.max(MIN_CAPACITY, 2L * Math.max(0, entries));
        return (int)Math.min(1 << 30, Long.highestOneBit(wanted - 1) << 1);
    }

    /**
     * The entry mapped to a key, without a lock.
     *
     * @param key the key.
     * @return the entry or null.
     */
    Entry get(final String key)
    {
        final Table t = table;
        final int hash = hash(key);
        final byte tag = tag(hash);
        for (int i = hash & t.mask; ; i = (i + 1) & t.mask)
        {
            final Entry e = (Entry)SLOTS.getAcquire(t.slots, i);
            if (e == null)
            {
                return null;
            }
            if (t.tags[i] == tag && holds(e, key, hash))
            {
                return e;
            }
        }
    }

    /**
     * Entries mapped, read without a lock.
     *
     * @return the count.
     */
    int size()
    {
        return (int)SIZE.getOpaque(this);
    }

    /**
     * Why {@link #put} should not take this entry, or null when it may: its key is mapped already (a replacement is
     * always taken), or neither the table's size nor the group of keys sharing its hash is at its limit. Under the
     * caller's lock.
     *
     * @param entry the entry about to be put.
     * @return the reason, naming the limit, or null.
     */
    String refusal(final Entry entry)
    {
        final Table t = table;
        final String key = entry.key();
        final int hash = entry.keyHash();
        final byte tag = tag(hash);
        int sameHash = 0;
        for (int i = hash & t.mask; ; i = (i + 1) & t.mask)
        {
            final Entry e = t.slots[i];
            if (e == null)
            {
                break;
            }
            if (t.tags[i] == tag && e != TOMBSTONE)
            {
                if (holds(e, key, hash))
                {
                    return null;
                }
                // The finalizer is a bijection: equal spread hashes are equal String hash codes.
                if (e.keyHash() == hash)
                {
                    sameHash++;
                }
            }
        }
        if (sameHash >= MAX_SAME_HASH)
        {
            return String.format("%d cached keys already share the hash code %d of key \"%s\", the most the index " +
                "keeps (%d): many keys with one hash code slow every lookup of them", sameHash, key.hashCode(),
                key.substring(0, Math.min(80, key.length())), MAX_SAME_HASH);
        }
        if (size >= MAX_ENTRIES)
        {
            return String.format("the index holds %d entries, the most it can (%d)", size, MAX_ENTRIES);
        }
        return null;
    }

    /**
     * Maps the entry's key to it, replacing the key's entry if it had one. Under the caller's lock; the caller asks
     * {@link #refusal} first where the limits must hold (a store), and need not where they held before (recovery).
     *
     * @param entry the entry.
     * @return the replaced entry, or null.
     */
    Entry put(final Entry entry)
    {
        final int length = table.slots.length;
        if ((size + 1) * 2L > length)
        {
            rebuild(capacityFor(size + 1));
        }
        else if ((size + tombstones + 1) * 2L > length)
        {
            rebuild(length);
        }
        final Table t = table;
        final String key = entry.key();
        final int hash = entry.keyHash();
        final byte tag = tag(hash);
        int reusable = -1;
        for (int i = hash & t.mask; ; i = (i + 1) & t.mask)
        {
            final Entry e = t.slots[i];
            if (e == null)
            {
                final int at;
                if (reusable >= 0)
                {
                    tombstones--;
                    at = reusable;
                }
                else
                {
                    at = i;
                }
                t.tags[at] = tag(hash);
                SLOTS.setRelease(t.slots, at, entry);
                SIZE.setOpaque(this, size + 1);
                return null;
            }
            if (e == TOMBSTONE)
            {
                if (reusable < 0)
                {
                    reusable = i;
                }
            }
            else if (t.tags[i] == tag && holds(e, key, hash))
            {
                SLOTS.setRelease(t.slots, i, entry);
                return e;
            }
        }
    }

    /**
     * Removes the key's entry. Under the caller's lock.
     *
     * @param key the key.
     * @return the removed entry, or null.
     */
    Entry remove(final String key)
    {
        final int i = slotOf(key, hash(key));
        return i < 0 ? null : removeAt(i);
    }

    /**
     * Removes the entry if its key still maps to it. Under the caller's lock.
     *
     * @param entry the entry.
     * @return true when it was mapped and is removed.
     */
    boolean remove(final Entry entry)
    {
        final int i = slotOf(entry.key(), entry.keyHash());
        if (i < 0 || table.slots[i] != entry)
        {
            return false;
        }
        removeAt(i);
        return true;
    }

    /**
     * A snapshot of the mapped entries, in no order; weakly consistent when writers are active.
     *
     * @return the entries.
     */
    Entry[] values()
    {
        final Entry[] slots = table.slots;
        Entry[] out = new Entry[Math.max(16, size())];
        int n = 0;
        for (int i = 0; i < slots.length; i++)
        {
            final Entry e = (Entry)SLOTS.getAcquire(slots, i);
            if (e != null && e != TOMBSTONE)
            {
                if (n == out.length)
                {
                    out = Arrays.copyOf(out, n * 2);
                }
                out[n++] = e;
            }
        }
        return Arrays.copyOf(out, n);
    }

    /**
     * Slots in the current array, for tests and memory accounting.
     *
     * @return the array's length.
     */
    int capacity()
    {
        return table.slots.length;
    }

    /** Whether slot content {@code e} (an entry, a tombstone or null) is the entry of {@code key}. */
    private static boolean holds(final Entry e, final String key, final int hash)
    {
        return e != null && e != TOMBSTONE && e.keyHash() == hash && (e.key() == key || e.key().equals(key));
    }

    private int slotOf(final String key, final int hash)
    {
        final Table t = table;
        final byte tag = tag(hash);
        for (int i = hash & t.mask; ; i = (i + 1) & t.mask)
        {
            final Entry e = t.slots[i];
            if (e == null)
            {
                return -1;
            }
            if (t.tags[i] == tag && holds(e, key, hash))
            {
                return i;
            }
        }
    }

    private Entry removeAt(final int i)
    {
        final Entry[] slots = table.slots;
        final Entry e = slots[i];
        SLOTS.setRelease(slots, i, TOMBSTONE);
        tombstones++;
        SIZE.setOpaque(this, size - 1);
        if (tombstones > slots.length / 4)
        {
            // Tombstones lengthen every probe: rebuild without them (at the same capacity: the table does not
            // shrink, as a ConcurrentHashMap does not).
            rebuild(slots.length);
        }
        return e;
    }

    /**
     * Builds a new array of {@code capacity} slots (a power of two) holding the live entries, and publishes it; the
     * old array is not written again.
     */
    private void rebuild(final int capacity)
    {
        final Table old = table;
        final Table fresh = new Table(capacity);
        for (int j = 0; j < old.slots.length; j++)
        {
            final Entry e = old.slots[j];
            if (e != null && e != TOMBSTONE)
            {
                int i = e.keyHash() & fresh.mask;
                while (fresh.slots[i] != null)
                {
                    i = (i + 1) & fresh.mask;
                }
                fresh.tags[i] = old.tags[j];
                fresh.slots[i] = e;
            }
        }
        tombstones = 0;
        table = fresh;
    }
}
