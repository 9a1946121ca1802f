package dev.rawcache;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Test values derived from a key and a version, so that a torn, stale or foreign read never equals what a test
 * expects.
 * <p>
 * Every byte comes from a SplitMix64 stream seeded by the key's hash code and the version; a value of
 * {@link #TAG_LENGTH} bytes or more also starts with a tag (key hash, version, length, little-endian), so a reader
 * that finds some version of a key can tell which one it claims to be and check every byte against it.
 * <p>
 * Stateless and thread-safe.
 */
final class Values
{
    /** Bytes of the tag at the start of values at least this long: key hash (4), version (8), length (4). */
    static final int TAG_LENGTH = 16;

    private Values()
    {
    }

    /**
     * The value of a key at a version.
     *
     * @param key     the key.
     * @param version the version.
     * @param size    the length in bytes.
     * @return a new array.
     */
    static byte[] of(final String key, final long version, final int size)
    {
        final byte[] bytes = new byte[size];
        long state = key.hashCode() * 0x9E37_79B9_7F4A_7C15L ^ (version + 0x632B_E59B_D9B4_E019L);
        int i = 0;
        while (i < size)
        {
            state += 0x9E37_79B9_7F4A_7C15L;
            long z = state;
            z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
            z ^= z >>> 31;
            for (int b = 0; b < Long.BYTES && i < size; b++, i++)
            {
                bytes[i] = (byte)(z >>> (b * 8));
            }
        }
        if (size >= TAG_LENGTH)
        {
            final ByteBuffer tag = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            tag.putInt(0, key.hashCode()).putLong(4, version).putInt(12, size);
        }
        return bytes;
    }

    /**
     * The value of a key at a version, as a buffer.
     *
     * @param key     the key.
     * @param version the version.
     * @param size    the length in bytes.
     * @return a heap buffer, position 0, limit {@code size}.
     */
    static ByteBuffer buffer(final String key, final long version, final int size)
    {
        return ByteBuffer.wrap(of(key, version, size));
    }

    /**
     * The version a tagged value claims to be, after checking that its tag names the key and its own length.
     *
     * @param key   the key it was read under.
     * @param value the bytes read, at least {@link #TAG_LENGTH} long.
     * @return the claimed version.
     */
    static long claimedVersion(final String key, final byte[] value)
    {
        if (value.length < TAG_LENGTH)
        {
            fail("value of " + value.length + " bytes read for key " + key + " is shorter than its tag");
        }
        final ByteBuffer tag = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(key.hashCode(), tag.getInt(0), () -> "value read for key " + key + " carries another key's tag");
        assertEquals(value.length, tag.getInt(12), () -> "value read for key " + key + " has a torn length");
        return tag.getLong(4);
    }

    /**
     * Concatenates the remaining bytes of buffers without changing their positions.
     *
     * @param buffers the buffers.
     * @return their bytes in order.
     */
    static byte[] concat(final ByteBuffer... buffers)
    {
        long total = 0;
        for (final ByteBuffer b : buffers)
        {
            total += b.remaining();
        }
        final byte[] all = new byte[Math.toIntExact(total)];
        int at = 0;
        for (final ByteBuffer b : buffers)
        {
            final int n = b.remaining();
            b.duplicate().get(all, at, n);
            at += n;
        }
        return all;
    }

    /**
     * The remaining bytes of a buffer, without changing its position.
     *
     * @param buffer the buffer.
     * @return a copy of its remaining bytes.
     */
    static byte[] bytes(final ByteBuffer buffer)
    {
        return concat(buffer);
    }

    /**
     * Asserts byte for byte that {@code actual} is the value of {@code key} at {@code version}, naming the first
     * differing byte.
     *
     * @param key     the key.
     * @param version the expected version.
     * @param size    the expected length.
     * @param actual  the bytes read.
     */
    static void assertValue(final String key, final long version, final int size, final byte[] actual)
    {
        assertNotNull(actual, () -> "no value for key " + key + " version " + version);
        assertEquals(size, actual.length, () -> "length of key " + key + " version " + version);
        final byte[] expected = of(key, version, size);
        final int at = Arrays.mismatch(expected, actual);
        if (at >= 0)
        {
            fail("value of key " + key + " version " + version + " (" + size + " bytes) differs first at byte " + at +
                ": expected " + expected[at] + ", read " + actual[at]);
        }
    }

    /**
     * Asserts that a lookup result is exactly the value of {@code key} at {@code version}: a heap buffer at position
     * 0 whose limit is the value's length.
     *
     * @param key     the key.
     * @param version the expected version.
     * @param size    the expected length.
     * @param actual  the buffer returned by {@code lookup}.
     */
    static void assertLookup(final String key, final long version, final int size, final ByteBuffer actual)
    {
        assertNotNull(actual, () -> "lookup of key " + key + " missed; expected version " + version);
        assertEquals(0, actual.position(), "position of the looked-up value");
        assertEquals(size, actual.limit(), "limit of the looked-up value");
        assertValue(key, version, size, bytes(actual));
    }
}
