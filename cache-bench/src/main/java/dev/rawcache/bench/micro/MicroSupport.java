package dev.rawcache.bench.micro;

import dev.rawcache.bench.ScrambledZipf;
import dev.rawcache.index.Entry;
import dev.rawcache.index.EntryIndex;
import dev.rawcache.io.block.ExtentList;

import java.nio.charset.StandardCharsets;

/**
 * What the micro-benchmarks share: index entries built in memory (no cache file), probe keys, and Zipf draws.
 * <p>
 * Stateless and thread-safe.
 */
public final class MicroSupport
{
    /** Zipf draws precomputed per trial; a power of two. */
    public static final int DRAWS = 1 << 20;
    /** Mask that wraps a cursor into the draws. */
    public static final int DRAW_MASK = DRAWS - 1;
    /** Seed of the key draws and of any random layout. */
    public static final long SEED = 42;

    /** Value length the fake entries claim: one 4 KiB block with its header. */
    private static final int VALUE_LENGTH = 3_000;
    private static final int HEADER_LENGTH = 128;

    private MicroSupport()
    {
    }

    /**
     * One never-expiring, verified entry per key, entry {@code i} in block {@code i}, as a store would publish it.
     *
     * @param keys the keys.
     * @return the entries, entry {@code i} for key {@code i}.
     */
    public static Entry[] entries(final String[] keys)
    {
        final Entry[] entries = new Entry[keys.length];
        for (int i = 0; i < keys.length; i++)
        {
            entries[i] = new Entry(keys[i], keys[i].getBytes(StandardCharsets.UTF_8), i + 1, ExtentList.of(i, 1),
                HEADER_LENGTH, VALUE_LENGTH, 0, 0, 0, true);
        }
        return entries;
    }

    /**
     * An index holding the entries, published in array order (so entry 0 is the least recently used).
     *
     * @param entries the entries, with distinct keys.
     * @return the index.
     */
    public static EntryIndex index(final Entry[] entries)
    {
        final EntryIndex index = new EntryIndex(entries.length);
        index.lock();
        try
        {
            for (final Entry entry : entries)
            {
                if (index.putLocked(entry) != null)
                {
                    throw new IllegalStateException("duplicate key " + entry.key());
                }
            }
        }
        finally
        {
            index.unlock();
        }
        return index;
    }

    /**
     * One probe key per draw, equal to the drawn key but a distinct object with its own bytes, as a request's key
     * would be, so that {@code equals} compares bytes instead of stopping at identity. The probes are allocated in
     * draw order, so a benchmark walking them in order reads memory sequentially and the hardware prefetcher keeps
     * the next probe in the CPU cache, as a request's freshly built key would be.
     *
     * @param keys  the stored keys.
     * @param draws item indices into {@code keys}.
     * @return the probe keys, probe {@code j} equal to {@code keys[draws[j]]}.
     */
    public static String[] probeKeys(final String[] keys, final int[] draws)
    {
        final String[] probes = new String[draws.length];
        for (int j = 0; j < draws.length; j++)
        {
            probes[j] = new String(keys[draws[j]].toCharArray());
        }
        return probes;
    }

    /**
     * {@link #DRAWS} item indices from a {@link ScrambledZipf} with YCSB's exponent and {@link #SEED}.
     *
     * @param items how many distinct items.
     * @return the draws.
     */
    public static int[] zipfDraws(final int items)
    {
        return new ScrambledZipf(items, ScrambledZipf.DEFAULT_EXPONENT, SEED).indices(DRAWS);
    }
}
