package dev.rawcache.server.http;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;

import static dev.rawcache.io.Checks.requireArgument;

/**
 * The framing of a {@code multipart/byteranges} body, the 206 response to a request for several ranges
 * (RFC 9110 §14.6, RFC 2046 §5.1.1).
 * <p>
 * A body for ranges {@code r1 .. rn} is
 * <pre>
 *   partHeader(r1) bytes(r1) partHeader(r2) bytes(r2) ... partHeader(rn) bytes(rn) closing
 * </pre>
 * where each part header starts with the CRLF that ends the previous part (the first one ends an empty preamble),
 * exactly as nginx writes it:
 * <pre>
 *   CRLF "--" boundary CRLF
 *   "Content-Type: " type CRLF          (only when the representation has a type)
 *   "Content-Range: bytes a-b/size" CRLF
 *   CRLF
 * </pre>
 * and the closing is {@code CRLF "--" boundary "--" CRLF}. {@link #contentLength} gives the body's exact length so
 * the response can carry {@code Content-Length} instead of chunking.
 * <p>
 * All strings here are one byte per character: write them as ISO-8859-1 (US-ASCII for everything but a
 * {@code Content-Type} carrying obs-text). {@link #contentLength} counts that way.
 * <p>
 * Stateless and thread-safe; {@link #newBoundary()} draws from a shared {@link SecureRandom}, which is
 * thread-safe.
 */
public final class Multipart
{
    /** Characters in the boundaries {@link #newBoundary()} makes. */
    public static final int BOUNDARY_LENGTH = 24;

    /** The longest boundary RFC 2046 allows. */
    public static final int MAX_BOUNDARY_LENGTH = 70;

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HexFormat HEX = HexFormat.of();
    private static final String CRLF = "\r\n";
    private static final String CONTENT_TYPE = "Content-Type: ";
    private static final String CONTENT_RANGE = "Content-Range: ";

    private Multipart()
    {
    }

    /**
     * A fresh random boundary: {@value #BOUNDARY_LENGTH} lowercase hex digits (96 bits). Random from a
     * {@link SecureRandom} so that content cannot be crafted to contain the boundary.
     *
     * @return the boundary.
     */
    public static String newBoundary()
    {
        final byte[] bytes = new byte[BOUNDARY_LENGTH / 2];
        RANDOM.nextBytes(bytes);
        return HEX.formatHex(bytes);
    }

    /**
     * The {@code Content-Type} of the whole response.
     *
     * @param boundary the boundary.
     * @return {@code multipart/byteranges; boundary=...}.
     * @throws IllegalArgumentException when the boundary is not 1 to 70 letters, digits or {@code '+_-.}.
     */
    public static String contentType(final String boundary)
    {
        checkBoundary(boundary);
        return "multipart/byteranges; boundary=" + boundary;
    }

    /**
     * The delimiter and headers that precede one part's bytes.
     *
     * @param boundary    the boundary.
     * @param contentType the representation's {@code Content-Type}, or null to leave the line out.
     * @param range       the part's range.
     * @param size        the length of the whole representation.
     * @return {@code CRLF--boundary CRLF [Content-Type: type CRLF] Content-Range: bytes a-b/size CRLF CRLF}.
     * @throws IllegalArgumentException when the boundary is invalid, the content type holds a control character
     *                                  or a character beyond {@code U+00FF}, or the range is not within
     *                                  {@code size}.
     */
    public static String partHeader(final String boundary, final String contentType, final ByteRange range,
                                    final long size)
    {
        checkBoundary(boundary);
        checkContentType(contentType);
        final String contentRange = range.contentRange(size);
        final StringBuilder header = new StringBuilder(partHeaderLength(boundary, contentType, contentRange));
        header.append(CRLF).append("--").append(boundary).append(CRLF);
        if (contentType != null)
        {
            header.append(CONTENT_TYPE).append(contentType).append(CRLF);
        }
        return header.append(CONTENT_RANGE).append(contentRange).append(CRLF).append(CRLF).toString();
    }

    /**
     * The close delimiter that ends the body after the last part's bytes.
     *
     * @param boundary the boundary.
     * @return {@code CRLF--boundary--CRLF}.
     * @throws IllegalArgumentException when the boundary is invalid.
     */
    public static String closing(final String boundary)
    {
        checkBoundary(boundary);
        return CRLF + "--" + boundary + "--" + CRLF;
    }

    /**
     * The exact length of the body: every part header, every part's bytes and the closing.
     *
     * @param boundary    the boundary.
     * @param contentType the representation's {@code Content-Type}, or null.
     * @param ranges      the parts' ranges, in the order they are sent.
     * @param size        the length of the whole representation.
     * @return the body's length in bytes.
     * @throws IllegalArgumentException when the boundary or content type is invalid or a range is not within
     *                                  {@code size}.
     * @throws ArithmeticException      when the length does not fit in a long.
     */
    public static long contentLength(final String boundary, final String contentType, final List<ByteRange> ranges,
                                     final long size)
    {
        checkBoundary(boundary);
        checkContentType(contentType);
        long length = CRLF.length() + 2 + boundary.length() + 2 + CRLF.length();
        for (final ByteRange range : ranges)
        {
            final int header = partHeaderLength(boundary, contentType, range.contentRange(size));
            length = Math.addExact(length, Math.addExact(header, range.length()));
        }
        return length;
    }

    private static int partHeaderLength(final String boundary, final String contentType, final String contentRange)
    {
        int length = CRLF.length() + 2 + boundary.length() + CRLF.length();
        if (contentType != null)
        {
            length += CONTENT_TYPE.length() + contentType.length() + CRLF.length();
        }
        return length + CONTENT_RANGE.length() + contentRange.length() + CRLF.length() + CRLF.length();
    }

    private static void checkBoundary(final String boundary)
    {
        requireArgument(boundary != null && !boundary.isEmpty() && boundary.length() <= MAX_BOUNDARY_LENGTH,
            "boundary '%s' is not 1 to %d characters long", boundary, MAX_BOUNDARY_LENGTH);
        for (int i = 0; i < boundary.length(); i++)
        {
            final char c = boundary.charAt(i);
            final boolean safe = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                c == '\'' || c == '+' || c == '_' || c == '-' || c == '.';
            requireArgument(safe, "boundary '%s' holds '%s' at %d; only letters, digits and '+_-. are allowed",
                boundary, c, i);
        }
    }

    private static void checkContentType(final String contentType)
    {
        if (contentType == null)
        {
            return;
        }
        for (int i = 0; i < contentType.length(); i++)
        {
            final char c = contentType.charAt(i);
            requireArgument((c >= 0x20 && c != 0x7F && c <= 0xFF) || c == '\t',
                "content type holds character U+%04X at %d; control characters and characters beyond U+00FF " +
                    "are not allowed", (int)c, i);
        }
    }
}
