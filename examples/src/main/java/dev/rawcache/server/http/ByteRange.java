package dev.rawcache.server.http;

import static dev.rawcache.io.Checks.requireArgument;

/**
 * An inclusive range of byte positions in a representation, {@code first} to {@code last}, as a {@code Range}
 * request asks for it once resolved against the representation's length (RFC 9110 §14.1.2).
 * <p>
 * Immutable and thread-safe.
 *
 * @param first the position of the first byte, 0 or more.
 * @param last  the position of the last byte, {@code first} or more and less than {@link Long#MAX_VALUE}.
 */
public record ByteRange(long first, long last)
{
    /**
     * Checks the positions.
     *
     * @param first the position of the first byte.
     * @param last  the position of the last byte.
     * @throws IllegalArgumentException when {@code first} is negative, {@code last} is less than {@code first}, or
     *                                  {@code last} is {@link Long#MAX_VALUE} (the length would not fit in a long).
     */
    public ByteRange
    {
        requireArgument(first >= 0, "first byte position %d is negative", first);
        requireArgument(last >= first, "last byte position %d is less than the first %d", last, first);
        requireArgument(last < Long.MAX_VALUE, "last byte position %d leaves no room for a length", last);
    }

    /**
     * The number of bytes in the range.
     *
     * @return {@code last - first + 1}, 1 or more.
     */
    public long length()
    {
        return last - first + 1;
    }

    /**
     * The {@code Content-Range} field value for this range of a representation of {@code size} bytes
     * (RFC 9110 §14.4), e.g. {@code bytes 0-499/1234}.
     *
     * @param size the length of the whole representation, more than {@code last}.
     * @return the field value.
     * @throws IllegalArgumentException when the range does not lie within the representation.
     */
    public String contentRange(final long size)
    {
        requireArgument(last < size, "range %d-%d does not lie within a representation of %d bytes", first, last, size);
        return "bytes " + first + '-' + last + '/' + size;
    }

    /**
     * This range as a {@code Range} request writes it, e.g. {@code 0-499}.
     *
     * @return {@code first-last}.
     */
    @Override
    public String toString()
    {
        return first + "-" + last;
    }
}
