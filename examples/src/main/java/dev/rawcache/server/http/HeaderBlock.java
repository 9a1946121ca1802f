package dev.rawcache.server.http;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.rawcache.io.Checks.requireArgument;

/**
 * A response's status and header fields as bytes, stored as a cache entry's metadata and read back on a hit.
 * <pre>
 *    0         1         2         3
 *   +---------+---------+---------+------------------------------------------------+
 *   | version |   status (u16,    | lines: "Name: value\r\n" ... in UTF-8, in the  |
 *   |  = 1    |   big-endian)     | order given; nothing follows the last CRLF     |
 *   +---------+---------+---------+------------------------------------------------+
 *   |&lt;-------------------------- at most 65536 bytes in all ------------------------&gt;|
 * </pre>
 * Fields keep their order, their repeats (several {@code Set-Cookie}) and their values exactly, leading and
 * trailing spaces included: the line is split at the first {@code ": "}. Names must be tokens and values must not
 * hold CR, LF or NUL, so that no stored value can inject a field or split a response (RFC 9110 §5.5). A value's
 * characters beyond ASCII (obs-text as {@code U+0080}..{@code U+00FF}, or anything else) round-trip through UTF-8.
 * <p>
 * The block has no magic or checksum of its own: it lives inside a cache entry, whose checksum covers it.
 * {@link #decode} still checks everything it reads, and rejects anything that {@link #encode} would not have
 * written with an {@link IllegalArgumentException}, which a caller treats as a miss.
 * <p>
 * Stateless and thread-safe.
 */
public final class HeaderBlock
{
    /** The format version, the first byte. */
    public static final byte VERSION = 1;

    /** The largest block, in bytes. */
    public static final int MAX_LENGTH = 65536;

    /** Offset of the version byte. */
    public static final int VERSION_OFFSET = 0;

    /** Offset of the big-endian unsigned 16-bit status. */
    public static final int STATUS_OFFSET = VERSION_OFFSET + 1;

    /** Offset of the first header line. */
    public static final int LINES_OFFSET = STATUS_OFFSET + 2;

    private static final int MIN_STATUS = 100;
    private static final int MAX_STATUS = 999;

    private HeaderBlock()
    {
    }

    /**
     * A decoded block.
     *
     * @param status  the response's status code.
     * @param headers the header fields in order, repeats included.
     */
    public record Decoded(int status, List<Map.Entry<String, String>> headers)
    {
        /**
         * Copies the fields into an immutable list of immutable entries.
         *
         * @param status  the status code.
         * @param headers the fields.
         * @throws NullPointerException when a name or value is null.
         */
        public Decoded
        {
            final List<Map.Entry<String, String>> copy = new ArrayList<>(headers.size());
            for (final Map.Entry<String, String> header : headers)
            {
                copy.add(Map.entry(header.getKey(), header.getValue()));
            }
            headers = List.copyOf(copy);
        }

        /**
         * The value of the first field with this name, ignoring case.
         *
         * @param name the field name.
         * @return the value, or null when there is no such field.
         */
        public String first(final String name)
        {
            for (final Map.Entry<String, String> header : headers)
            {
                if (header.getKey().equalsIgnoreCase(name))
                {
                    return header.getValue();
                }
            }
            return null;
        }

        /**
         * The values of every field with this name, ignoring case, in order.
         *
         * @param name the field name.
         * @return the values; empty when there is none.
         */
        public List<String> all(final String name)
        {
            final List<String> values = new ArrayList<>(1);
            for (final Map.Entry<String, String> header : headers)
            {
                if (header.getKey().equalsIgnoreCase(name))
                {
                    values.add(header.getValue());
                }
            }
            return List.copyOf(values);
        }
    }

    /**
     * Encodes a status and header fields.
     *
     * @param status  the status code, 100 to 999.
     * @param headers the fields, in order; each name a token, each value free of CR, LF and NUL.
     * @return the block.
     * @throws IllegalArgumentException when the status is out of range, a name is not a token, a value holds CR, LF
     *                                  or NUL, or the block would exceed {@value #MAX_LENGTH} bytes.
     * @throws NullPointerException     when a name or value is null.
     */
    public static byte[] encode(final int status, final List<Map.Entry<String, String>> headers)
    {
        requireArgument(status >= MIN_STATUS && status <= MAX_STATUS, "status %d is not within %d to %d", status,
            MIN_STATUS, MAX_STATUS);
        final StringBuilder lines = new StringBuilder(64 * headers.size());
        for (final Map.Entry<String, String> header : headers)
        {
            final String name = header.getKey();
            final String value = header.getValue();
            requireArgument(HttpTokens.isToken(name), "header name '%s' is not a token", name);
            final int bad = firstForbidden(value);
            requireArgument(bad < 0, "value of header %s holds %s at %d", name, describe(value, bad), bad);
            lines.append(name).append(": ").append(value).append("\r\n");
        }
        final byte[] text = lines.toString().getBytes(StandardCharsets.UTF_8);
        final long length = (long)LINES_OFFSET + text.length;
        requireArgument(length <= MAX_LENGTH, "header block of %d bytes exceeds the limit of %d", length, MAX_LENGTH);
        final byte[] block = new byte[(int)length];
        block[VERSION_OFFSET] = VERSION;
        block[STATUS_OFFSET] = (byte)(status >>> 8);
        block[STATUS_OFFSET + 1] = (byte)status;
        System.arraycopy(text, 0, block, LINES_OFFSET, text.length);
        return block;
    }

    /**
     * Decodes a block from the bytes between the buffer's position and limit, leaving the buffer's position as it
     * was.
     *
     * @param bytes the block.
     * @return the status and fields.
     * @throws IllegalArgumentException when the bytes are not a block {@link #encode} would write: too short or too
     *                                  long, another version, a status out of range, invalid UTF-8, or a line that
     *                                  is not {@code Name: value} with a token name and a CRLF end.
     */
    public static Decoded decode(final ByteBuffer bytes)
    {
        final int length = bytes.remaining();
        requireArgument(length >= LINES_OFFSET && length <= MAX_LENGTH,
            "header block of %d bytes is not within %d to %d", length, LINES_OFFSET, MAX_LENGTH);
        final int start = bytes.position();
        final byte version = bytes.get(start + VERSION_OFFSET);
        requireArgument(version == VERSION, "header block version %d is not %d", version, VERSION);
        final int status = ((bytes.get(start + STATUS_OFFSET) & 0xFF) << 8) | (bytes.get(start + STATUS_OFFSET + 1) &
            0xFF);
        requireArgument(status >= MIN_STATUS && status <= MAX_STATUS, "status %d in header block is not within %d " +
            "to %d", status, MIN_STATUS, MAX_STATUS);

        final String text;
        try
        {
            final CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                .decode(bytes.duplicate().position(start + LINES_OFFSET));
            text = chars.toString();
        }
        catch (final CharacterCodingException e)
        {
            throw new IllegalArgumentException("header block is not valid UTF-8", e);
        }

        final List<Map.Entry<String, String>> headers = new ArrayList<>();
        int position = 0;
        while (position < text.length())
        {
            final int lineEnd = text.indexOf("\r\n", position);
            requireArgument(lineEnd >= 0, "header line at %d has no CRLF end", position);
            final int colon = text.indexOf(':', position);
            requireArgument(colon > position && colon + 1 < lineEnd && text.charAt(colon + 1) == ' ' &&
                HttpTokens.isToken(text, position, colon), "header line at %d is not 'Name: value'", position);
            final String value = text.substring(colon + 2, lineEnd);
            final int bad = firstForbidden(value);
            requireArgument(bad < 0, "header line at %d holds %s in its value", position, describe(value, bad));
            headers.add(Map.entry(text.substring(position, colon), value));
            position = lineEnd + 2;
        }
        return new Decoded(status, headers);
    }

    /**
     * The index of the first CR, LF or NUL in {@code value}, or -1.
     */
    private static int firstForbidden(final String value)
    {
        for (int i = 0; i < value.length(); i++)
        {
            final char c = value.charAt(i);
            if (c == '\r' || c == '\n' || c == '\0')
            {
                return i;
            }
        }
        return -1;
    }

    private static String describe(final String value, final int index)
    {
        return index < 0 ? "" : String.format("U+%04X", (int)value.charAt(index));
    }
}
