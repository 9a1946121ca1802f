package dev.rawcache.tools;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ByteSizeTest
{
    @Test
    void shouldParseSuffixesAsPowersOf1024()
    {
        assertEquals(4096, ByteSize.parse("4096"));
        assertEquals(64L << 10, ByteSize.parse("64k"));
        assertEquals(512L << 20, ByteSize.parse("512m"));
        assertEquals(512L << 20, ByteSize.parse("512M"));
        assertEquals(2L << 30, ByteSize.parse("2GiB"));
        assertEquals(1L << 30, ByteSize.parse(" 1g "));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "m", "12q", "1.5g", "-1m", "99999999999999999999", "9000000000g"})
    void shouldRejectWhatIsNotASize(final String text)
    {
        assertThrows(IllegalArgumentException.class, () -> ByteSize.parse(text));
    }

    @Test
    void shouldFormatInTheLargestWholeUnit()
    {
        assertEquals("512 bytes", ByteSize.format(512));
        assertEquals("4 KiB", ByteSize.format(4096));
        assertEquals("256 MiB", ByteSize.format(256L << 20));
        assertEquals("39.9 MiB", ByteSize.format((long)(39.9 * (1 << 20))));
        assertEquals("512m", ByteSize.toArgument(512L << 20));
        assertEquals("2g", ByteSize.toArgument(2L << 30));
        assertEquals("1000", ByteSize.toArgument(1000));
    }
}
