package dev.rawcache.bench.compare;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

/**
 * The keys and values every engine stores at one value size: keys {@code "k" + i}, values derived from the key, so
 * a lookup that returns another key's value, or torn bytes, fails the check.
 * <p>
 * <b>How values are derived without holding them all.</b> A working set of 1 GiB would need 1 GiB of heap to hold
 * every value, and generating each value at store time would put a random-number generator inside the timed loop.
 * Instead one random pattern of {@code valueSize + 8 * slots} bytes lives in a direct buffer, and the value of key
 * {@code i} is the {@code valueSize} bytes at offset {@code 8 * ((i * ODD) mod slots)}, where {@code slots} is the
 * number of keys rounded up to a power of two and {@code ODD} an odd multiplier: a bijection, so no two keys share an
 * offset, and two windows at different offsets of random bytes differ (with probability 1 - 2^-64 in their first
 * eight bytes alone). A store hands the engine a slice of the pattern: no copy, no allocation beyond the slice object.
 * <p>
 * Thread-safe: immutable after construction; slices are made with absolute indices.
 */
final class DataSet
{
    private static final long ODD_MULTIPLIER = 0x9E3779B97F4A7C15L;

    private final int valueSize;
    private final int count;
    private final String[] keys;
    private final ByteBuffer pattern;
    private final int slotMask;

    /**
     * Builds the data set.
     *
     * @param valueSize        each value's length in bytes.
     * @param workingSetBytes  the value bytes in all, which fixes how many keys there are (at least 16).
     * @param seed             the pattern's seed.
     */
    DataSet(final int valueSize, final long workingSetBytes, final long seed)
    {
        this.valueSize = valueSize;
        this.count = (int)Math.max(16, workingSetBytes / valueSize);
        this.keys = new String[count];
        for (int i = 0; i < count; i++)
        {
            keys[i] = "k" + i;
        }
        final int slots = Integer.highestOneBit(count - 1) << 1;
        this.slotMask = slots - 1;
        final int patternBytes = valueSize + 8 * slots;
        this.pattern = ByteBuffer.allocateDirect(patternBytes).order(ByteOrder.nativeOrder());
        final SplittableRandom random = new SplittableRandom(seed + valueSize);
        for (int i = 0; i + Long.BYTES <= patternBytes; i += Long.BYTES)
        {
            pattern.putLong(i, random.nextLong());
        }
    }

    /**
     * Each value's length.
     *
     * @return bytes.
     */
    int valueSize()
    {
        return valueSize;
    }

    /**
     * How many keys.
     *
     * @return the count.
     */
    int count()
    {
        return count;
    }

    /**
     * All value bytes: {@code count * valueSize}.
     *
     * @return bytes.
     */
    long totalBytes()
    {
        return (long)count * valueSize;
    }

    /**
     * The key of item {@code i}.
     *
     * @param i the item.
     * @return {@code "k" + i}.
     */
    String key(final int i)
    {
        return keys[i];
    }

    /**
     * Key {@code i} as a new {@code String}, built in {@code builder}: what a proxy looks up with, a key it has just
     * built from a request. Looking up with the stored instance would let an index that keeps the caller's
     * {@code String} (rawcache's, a {@code ConcurrentHashMap}) compare references and never read the key's bytes,
     * which the engines that serialize keys (Chronicle Map, RocksDB, MapDB, Ehcache) cannot.
     *
     * @param i       the key's index.
     * @param builder the calling thread's builder, reused.
     * @return an equal key, not the stored instance.
     */
    String freshKey(final int i, final StringBuilder builder)
    {
        builder.setLength(0);
        return builder.append(keys[i]).toString();
    }

    /**
     * The longest key, for engines that size themselves by an average key.
     *
     * @return a key of the longest length.
     */
    String longestKey()
    {
        return keys[count - 1];
    }

    /**
     * The value of item {@code i}: a new slice of the pattern, direct, read-only in spirit (the engine must not
     * write to it).
     *
     * @param i the item.
     * @return a buffer from 0 to {@code valueSize}.
     */
    ByteBuffer value(final int i)
    {
        return pattern.slice(offset(i), valueSize);
    }

    /**
     * The cheap check run on every timed lookup: length, and the first and last eight bytes.
     *
     * @param i     the item looked up.
     * @param value what the engine returned, from position to limit.
     * @return true when they match item {@code i}'s value.
     */
    boolean quickCheck(final int i, final ByteBuffer value)
    {
        if (value.remaining() != valueSize)
        {
            return false;
        }
        final int offset = offset(i);
        final int p = value.position();
        final ByteBuffer v = value.duplicate().order(ByteOrder.nativeOrder());
        return v.getLong(p) == pattern.getLong(offset) &&
            v.getLong(p + valueSize - Long.BYTES) == pattern.getLong(offset + valueSize - Long.BYTES);
    }

    /**
     * The full check, byte for byte.
     *
     * @param i     the item looked up.
     * @param value what the engine returned, from position to limit.
     * @return true when every byte matches item {@code i}'s value.
     */
    boolean fullCheck(final int i, final ByteBuffer value)
    {
        return value.remaining() == valueSize && value.mismatch(value(i)) == -1;
    }

    private int offset(final int i)
    {
        return 8 * (int)((i * ODD_MULTIPLIER) & slotMask);
    }
}
