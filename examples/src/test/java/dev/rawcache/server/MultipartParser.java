package dev.rawcache.server;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Splits a {@code multipart/byteranges} body into its parts' bytes, checking each part's headers on the way.
 */
final class MultipartParser
{
    private MultipartParser()
    {
    }

    static List<byte[]> parts(final byte[] body, final String boundary, final String type, final long size)
    {
        final String text = new String(body, StandardCharsets.ISO_8859_1);
        final List<byte[]> parts = new ArrayList<>();
        final String delimiter = "--" + boundary;
        int at = text.indexOf(delimiter);
        while (at >= 0 && !text.startsWith(delimiter + "--", at))
        {
            final int headersEnd = text.indexOf("\r\n\r\n", at);
            final String headers = text.substring(at, headersEnd);
            if (type != null)
            {
                assertTrue(headers.contains("Content-Type: " + type), headers);
            }
            final int rangeAt = headers.indexOf("Content-Range: bytes ");
            assertTrue(rangeAt >= 0, headers);
            final String range = headers.substring(rangeAt + "Content-Range: bytes ".length()).split("\r\n")[0];
            final String[] span = range.split("[-/]");
            assertEquals(String.valueOf(size), span[2]);
            final int first = Integer.parseInt(span[0]);
            final int last = Integer.parseInt(span[1]);
            final int start = headersEnd + 4;
            parts.add(Arrays.copyOfRange(body, start, start + last - first + 1));
            at = text.indexOf(delimiter, start + last - first + 1);
        }
        assertTrue(at >= 0, "no closing delimiter");
        return parts;
    }
}
