package dev.rawcache.examples;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The bytes of a demo value, derived from its key, so that every read can be checked byte for byte: a value that
 * came back torn, shifted or from another key fails the check.
 * <p>
 * The value of key {@code k} is the little-endian stream of 64-bit words {@code mix(seed(k) + i)} for
 * {@code i = 0, 1, 2, ...}, cut to the value's length. {@link Checker} checks a value that arrives in pieces of any
 * length (one per extent of a mapped view, or per socket read), eight bytes at a time where the pieces allow.
 * <p>
 * Stateless and thread-safe; a {@link Checker} is not thread-safe.
 */
final class ValuePattern
{
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private ValuePattern()
    {
    }

    /**
     * Makes the value of a key.
     *
     * @param key    the key.
     * @param length the value's length in bytes.
     * @return a heap buffer holding the value, position 0, limit {@code length}.
     */
    static ByteBuffer valueOf(final String key, final int length)
    {
        final ByteBuffer value = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        fill(key, value);
        return value;
    }

    /**
     * Fills a buffer, from position 0 to its limit, with the value of a key.
     *
     * @param key   the key.
     * @param value the buffer to fill; its byte order is set to little-endian and its position left at 0.
     */
    static void fill(final String key, final ByteBuffer value)
    {
        value.order(ByteOrder.LITTLE_ENDIAN);
        final long seed = seed(key);
        final int length = value.limit();
        final int words = length >>> 3;
        for (int i = 0; i < words; i++)
        {
            value.putLong(i << 3, word(seed, i));
        }
        for (int offset = words << 3; offset < length; offset++)
        {
            value.put(offset, byteAt(seed, offset));
        }
        value.position(0);
    }

    /**
     * Starts checking a value that will arrive in pieces.
     *
     * @param key    the key the value belongs to.
     * @param length the value's expected length.
     * @return a checker at stream offset 0.
     */
    static Checker checker(final String key, final long length)
    {
        return new Checker(key, length);
    }

    private static long seed(final String key)
    {
        long hash = 0xCBF29CE484222325L;
        for (final byte b : key.getBytes(StandardCharsets.UTF_8))
        {
            hash = (hash ^ (b & 0xFF)) * 0x100000001B3L;
        }
        return hash;
    }

    private static long word(final long seed, final long index)
    {
        long z = seed + index * GOLDEN_GAMMA;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static byte byteAt(final long seed, final long offset)
    {
        return (byte)(word(seed, offset >>> 3) >>> ((offset & 7) << 3));
    }

    /**
     * Checks the pieces of one value, in order, against the key's pattern.
     * <p>
     * Not thread-safe.
     */
    static final class Checker
    {
        private final String key;
        private final long seed;
        private final long length;
        private long offset;
        private String mismatch;

        private Checker(final String key, final long length)
        {
            this.key = key;
            this.seed = seed(key);
            this.length = length;
        }

        /**
         * Checks the next piece, from its position to its limit, without moving its position.
         *
         * @param piece the next bytes of the value.
         * @return this checker.
         */
        Checker update(final ByteBuffer piece)
        {
            if (mismatch != null)
            {
                return this;
            }
            final ByteBuffer b = piece.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            int at = b.position();
            final int end = b.limit();
            if (offset + (end - at) > length)
            {
                mismatch = String.format("value of %s is longer than the %d bytes stored", key, length);
                return this;
            }
            while (at < end && (offset & 7) != 0)
            {
                if (!checkByte(b.get(at++)))
                {
                    return this;
                }
            }
            while (end - at >= Long.BYTES)
            {
                final long expected = word(seed, offset >>> 3);
                final long actual = b.getLong(at);
                if (actual != expected)
                {
                    mismatch = String.format("value of %s differs in the 8 bytes at offset %d: expected 0x%016x, " +
                        "read 0x%016x", key, offset, expected, actual);
                    return this;
                }
                at += Long.BYTES;
                offset += Long.BYTES;
            }
            while (at < end)
            {
                if (!checkByte(b.get(at++)))
                {
                    return this;
                }
            }
            return this;
        }

        /**
         * Bytes checked so far.
         *
         * @return the stream offset reached.
         */
        long offset()
        {
            return offset;
        }

        /**
         * Whether the whole value arrived and every byte matched.
         *
         * @return null when it did, else what went wrong.
         */
        String problem()
        {
            if (mismatch != null)
            {
                return mismatch;
            }
            return offset == length ? null :
                String.format("value of %s ended after %d of its %d bytes", key, offset, length);
        }

        private boolean checkByte(final byte actual)
        {
            final byte expected = byteAt(seed, offset);
            if (actual != expected)
            {
                mismatch = String.format("value of %s differs at offset %d: expected 0x%02x, read 0x%02x", key,
                    offset, expected & 0xFF, actual & 0xFF);
                return false;
            }
            offset++;
            return true;
        }
    }
}
