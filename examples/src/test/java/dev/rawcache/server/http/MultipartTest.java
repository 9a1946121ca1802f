package dev.rawcache.server.http;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MultipartTest
{
    private static final String BOUNDARY = "3d6b6a416f9b5";

    @Test
    void shouldMakeRandomHexBoundaries()
    {
        final Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++)
        {
            final String boundary = Multipart.newBoundary();
            assertTrue(boundary.matches("[0-9a-f]{24}"), boundary);
            assertTrue(seen.add(boundary), "boundary repeated: " + boundary);
            Multipart.contentType(boundary);
        }
    }

    @Test
    void shouldNameTheBoundaryInTheContentType()
    {
        assertEquals("multipart/byteranges; boundary=3d6b6a416f9b5", Multipart.contentType(BOUNDARY));
    }

    @Test
    void shouldWriteThePartHeaderOfRfc9110()
    {
        assertEquals("\r\n--3d6b6a416f9b5\r\nContent-Type: text/html\r\nContent-Range: bytes 500-999/8000\r\n\r\n",
            Multipart.partHeader(BOUNDARY, "text/html", new ByteRange(500, 999), 8000));
    }

    @Test
    void shouldLeaveOutTheContentTypeLineWhenThereIsNoType()
    {
        assertEquals("\r\n--3d6b6a416f9b5\r\nContent-Range: bytes 7000-7999/8000\r\n\r\n",
            Multipart.partHeader(BOUNDARY, null, new ByteRange(7000, 7999), 8000));
    }

    @Test
    void shouldCloseWithTheBoundaryAndTwoDashes()
    {
        assertEquals("\r\n--3d6b6a416f9b5--\r\n", Multipart.closing(BOUNDARY));
    }

    @Test
    void shouldCountTheExactLengthOfTheBody()
    {
        final List<List<ByteRange>> cases = List.of(
            List.of(new ByteRange(0, 0)),
            List.of(new ByteRange(0, 0), new ByteRange(9_999, 9_999)),
            List.of(new ByteRange(500, 999), new ByteRange(7000, 7999), new ByteRange(0, 9)),
            List.of(new ByteRange(0, 9_999)),
            List.of());
        final byte[] content = new byte[10_000];
        for (int i = 0; i < content.length; i++)
        {
            content[i] = (byte)i;
        }
        for (final String type : new String[] {null, "text/plain; charset=utf-8", "application/x-caf\u00e9"})
        {
            for (final List<ByteRange> ranges : cases)
            {
                final String boundary = Multipart.newBoundary();
                final byte[] body = body(boundary, type, ranges, content);
                assertEquals(body.length, Multipart.contentLength(boundary, type, ranges, content.length),
                    type + " " + ranges);
            }
        }
    }

    @Test
    void shouldCountLengthsWhoseDigitsAreLong()
    {
        final long size = 123_456_789_012L;
        final List<ByteRange> ranges = List.of(new ByteRange(0, 0), new ByteRange(100_000_000_000L, size - 1));
        long expected = Multipart.closing(BOUNDARY).length();
        for (final ByteRange range : ranges)
        {
            expected += Multipart.partHeader(BOUNDARY, "video/mp4", range, size).length() + range.length();
        }
        assertEquals(expected, Multipart.contentLength(BOUNDARY, "video/mp4", ranges, size));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a b", "a\r\nb", "a;b", "a\"b", "caf\u00e9",
        "12345678901234567890123456789012345678901234567890123456789012345678901"})
    void shouldRejectABoundaryThatIsNotSafe(final String boundary)
    {
        assertThrows(IllegalArgumentException.class, () -> Multipart.contentType(boundary));
        assertThrows(IllegalArgumentException.class, () -> Multipart.closing(boundary));
        assertThrows(IllegalArgumentException.class,
            () -> Multipart.partHeader(boundary, null, new ByteRange(0, 0), 1));
    }

    @Test
    void shouldAcceptTheLongestBoundary()
    {
        final String boundary = "a".repeat(Multipart.MAX_BOUNDARY_LENGTH);
        assertEquals("\r\n--" + boundary + "--\r\n", Multipart.closing(boundary));
    }

    @Test
    void shouldRejectAContentTypeThatCouldInjectHeaders()
    {
        assertThrows(IllegalArgumentException.class,
            () -> Multipart.partHeader(BOUNDARY, "text/html\r\nSet-Cookie: a=b", new ByteRange(0, 0), 1));
        assertThrows(IllegalArgumentException.class,
            () -> Multipart.contentLength(BOUNDARY, "text/html\n", List.of(new ByteRange(0, 0)), 1));
    }

    @Test
    void shouldRejectARangeOutsideTheRepresentation()
    {
        assertThrows(IllegalArgumentException.class,
            () -> Multipart.partHeader(BOUNDARY, null, new ByteRange(0, 10), 10));
        assertThrows(IllegalArgumentException.class,
            () -> Multipart.contentLength(BOUNDARY, null, List.of(new ByteRange(0, 10)), 10));
    }

    private static byte[] body(final String boundary, final String type, final List<ByteRange> ranges,
                               final byte[] content)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (final ByteRange range : ranges)
        {
            out.writeBytes(Multipart.partHeader(boundary, type, range, content.length)
                .getBytes(StandardCharsets.ISO_8859_1));
            out.write(content, (int)range.first(), (int)range.length());
        }
        out.writeBytes(Multipart.closing(boundary).getBytes(StandardCharsets.ISO_8859_1));
        return out.toByteArray();
    }
}
