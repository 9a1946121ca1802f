package dev.rawcache.server.http;

import dev.rawcache.server.http.HeaderBlock.Decoded;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HeaderBlockTest
{
    private static final List<Map.Entry<String, String>> HEADERS = List.of(
        Map.entry("Content-Type", "text/html; charset=utf-8"),
        Map.entry("ETag", "\"v1\""),
        Map.entry("Set-Cookie", "a=1; Path=/"),
        Map.entry("Cache-Control", "max-age=60"),
        Map.entry("set-cookie", "b=2"),
        Map.entry("X-Empty", ""),
        Map.entry("X-Spaces", "  padded  "),
        Map.entry("X-Colon", "a: b:c"),
        Map.entry("X-Obs-Text", "caf\u00e9 \u00ff"),
        Map.entry("X-Unicode", "\u65e5\u672c \ud83d\ude00"),
        Map.entry("X-Tab", "a\tb"));

    @Test
    void shouldReadBackWhatItWrites()
    {
        final Decoded decoded = HeaderBlock.decode(ByteBuffer.wrap(HeaderBlock.encode(206, HEADERS)));
        assertEquals(206, decoded.status());
        assertEquals(HEADERS, decoded.headers());
    }

    @Test
    void shouldReadBackAResponseWithoutHeaders()
    {
        final byte[] block = HeaderBlock.encode(204, List.of());
        assertEquals(3, block.length);
        assertEquals(new Decoded(204, List.of()), HeaderBlock.decode(ByteBuffer.wrap(block)));
    }

    @Test
    void shouldLayOutVersionStatusAndLines()
    {
        final byte[] block = HeaderBlock.encode(200, List.of(Map.entry("A", "b"), Map.entry("C", "d")));
        final byte[] expected = {1, 0, (byte)200, 'A', ':', ' ', 'b', '\r', '\n', 'C', ':', ' ', 'd', '\r', '\n'};
        assertArrayEquals(expected, block);
        assertArrayEquals(new byte[] {1, 3, (byte)0xE7}, HeaderBlock.encode(999, List.of()));
    }

    @Test
    void shouldFindFieldsIgnoringCase()
    {
        final Decoded decoded = HeaderBlock.decode(ByteBuffer.wrap(HeaderBlock.encode(200, HEADERS)));
        assertEquals("\"v1\"", decoded.first("etag"));
        assertEquals("a=1; Path=/", decoded.first("SET-COOKIE"));
        assertEquals(List.of("a=1; Path=/", "b=2"), decoded.all("Set-Cookie"));
        assertEquals("", decoded.first("x-empty"));
        assertNull(decoded.first("Last-Modified"));
        assertEquals(List.of(), decoded.all("Last-Modified"));
    }

    @Test
    void shouldGiveImmutableFields()
    {
        final List<Map.Entry<String, String>> mutable = new ArrayList<>();
        mutable.add(new AbstractMap.SimpleEntry<>("A", "b"));
        final Decoded decoded = new Decoded(200, mutable);
        mutable.getFirst().setValue("changed");
        mutable.add(Map.entry("C", "d"));
        assertEquals(List.of(Map.entry("A", "b")), decoded.headers());
        assertThrows(UnsupportedOperationException.class, () -> decoded.headers().add(Map.entry("X", "y")));
        assertThrows(UnsupportedOperationException.class, () -> decoded.headers().getFirst().setValue("y"));
        assertThrows(UnsupportedOperationException.class, () -> decoded.all("A").add("x"));
    }

    @Test
    void shouldDecodeBetweenPositionAndLimitWithoutMovingThePosition()
    {
        final byte[] block = HeaderBlock.encode(200, HEADERS);
        for (final ByteBuffer buffer : new ByteBuffer[] {ByteBuffer.allocate(block.length + 20),
            ByteBuffer.allocateDirect(block.length + 20)})
        {
            buffer.put(new byte[7]).put(block).put(new byte[13]);
            buffer.position(7).limit(7 + block.length);
            final Decoded decoded = HeaderBlock.decode(buffer);
            assertEquals(HEADERS, decoded.headers());
            assertEquals(7, buffer.position());
            assertEquals(7 + block.length, buffer.limit());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"a\r\nSet-Cookie: evil=1", "a\rb", "a\nb", "a\u0000b", "\r\n", "a\r\n"})
    void shouldRejectAValueThatCouldInjectAField(final String value)
    {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> HeaderBlock.encode(200, List.of(Map.entry("X-Test", value))));
        assertTrue(e.getMessage().contains("X-Test"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "X Test", "X-Test:", "X-Test\r\nSet-Cookie", "X-Test\n", "X\u00e9", "(X)", "X@Y"})
    void shouldRejectANameThatIsNotAToken(final String name)
    {
        assertThrows(IllegalArgumentException.class, () -> HeaderBlock.encode(200, List.of(Map.entry(name, "v"))));
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 0, 99, 1000, 65536 + 200})
    void shouldRejectAStatusOutOfRange(final int status)
    {
        assertThrows(IllegalArgumentException.class, () -> HeaderBlock.encode(status, List.of()));
    }

    @Test
    void shouldAcceptABlockOfExactlyTheLimit()
    {
        // 3 bytes of version and status, then "X: " + value + CRLF.
        final String value = "v".repeat(HeaderBlock.MAX_LENGTH - 3 - 5);
        final byte[] block = HeaderBlock.encode(200, List.of(Map.entry("X", value)));
        assertEquals(HeaderBlock.MAX_LENGTH, block.length);
        assertEquals(value, HeaderBlock.decode(ByteBuffer.wrap(block)).first("x"));
    }

    @Test
    void shouldRejectABlockBeyondTheLimitNamingSizeAndLimit()
    {
        final String value = "v".repeat(HeaderBlock.MAX_LENGTH - 3 - 5 + 1);
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> HeaderBlock.encode(200, List.of(Map.entry("X", value))));
        assertTrue(e.getMessage().contains("65537") && e.getMessage().contains("65536"), e.getMessage());
    }

    @Test
    void shouldCountTheLimitInUtf8Bytes()
    {
        final String value = "\u00e9".repeat(HeaderBlock.MAX_LENGTH / 2);
        assertThrows(IllegalArgumentException.class, () -> HeaderBlock.encode(200, List.of(Map.entry("X", value))));
    }

    @Test
    void shouldRejectTooShortTooLongOrAnotherVersion()
    {
        assertGarbage(new byte[0]);
        assertGarbage(new byte[] {1, 0});
        assertGarbage(new byte[] {2, 0, (byte)200});
        assertGarbage(new byte[] {0, 0, (byte)200});
        final byte[] tooLong = new byte[HeaderBlock.MAX_LENGTH + 1];
        tooLong[0] = 1;
        tooLong[2] = (byte)200;
        assertGarbage(tooLong);
    }

    @Test
    void shouldRejectAStatusOutOfRangeWhenDecoding()
    {
        assertGarbage(new byte[] {1, 0, 99});
        assertGarbage(new byte[] {1, 3, (byte)0xE8});
        assertGarbage(new byte[] {1, (byte)0xFF, (byte)0xFF});
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "A: b", "A: b\n", "A: b\r", "A:b\r\n", "A\r\n", ": b\r\n", "A b: c\r\n", "A: b\r\nC", "A: b\rc\r\n",
        "A: b\nc\r\n", "A: b\u0000\r\n", "\r\n", "A: b\r\n\r\n", " A: b\r\n", "A : b\r\n", "(A): b\r\n",
    })
    void shouldRejectLinesEncodeWouldNotWrite(final String lines)
    {
        final byte[] text = lines.getBytes(StandardCharsets.UTF_8);
        final byte[] block = new byte[3 + text.length];
        block[0] = 1;
        block[2] = (byte)200;
        System.arraycopy(text, 0, block, 3, text.length);
        assertGarbage(block);
    }

    @Test
    void shouldRejectInvalidUtf8()
    {
        assertGarbage(new byte[] {1, 0, (byte)200, 'A', ':', ' ', (byte)0xFF, '\r', '\n'});
        assertGarbage(new byte[] {1, 0, (byte)200, 'A', ':', ' ', (byte)0xC3, '\r', '\n'});
        assertGarbage(new byte[] {1, 0, (byte)200, 'A', ':', ' ', (byte)0xED, (byte)0xA0, (byte)0x80, '\r', '\n'});
    }

    @Test
    void shouldRejectRandomBytesWithIllegalArgumentOnly()
    {
        final SplittableRandom random = new SplittableRandom(1);
        final byte[] valid = HeaderBlock.encode(200, HEADERS);
        int decoded = 0;
        for (int i = 0; i < 20_000; i++)
        {
            final byte[] bytes;
            if (i % 2 == 0)
            {
                bytes = new byte[random.nextInt(64)];
                random.nextBytes(bytes);
                if (bytes.length > 3)
                {
                    bytes[0] = 1;
                    bytes[1] = 0;
                    bytes[2] = (byte)200;
                }
            }
            else
            {
                bytes = valid.clone();
                for (int flips = 1 + random.nextInt(3); flips > 0; flips--)
                {
                    bytes[random.nextInt(bytes.length)] = (byte)random.nextInt(256);
                }
            }
            try
            {
                final Decoded result = HeaderBlock.decode(ByteBuffer.wrap(bytes));
                decoded++;
                assertArrayEquals(bytes, HeaderBlock.encode(result.status(), result.headers()),
                    "a block that decodes must be one encode writes");
            }
            catch (final IllegalArgumentException expected)
            {
                // garbage is rejected; a caller treats it as a miss
            }
        }
        assertTrue(decoded > 0, "some flips should still decode");
    }

    private static void assertGarbage(final byte[] bytes)
    {
        assertThrows(IllegalArgumentException.class, () -> HeaderBlock.decode(ByteBuffer.wrap(bytes)));
    }
}
