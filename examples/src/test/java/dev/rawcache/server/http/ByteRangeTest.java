package dev.rawcache.server.http;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ByteRangeTest
{
    @Test
    void shouldCountBothEndsInTheLength()
    {
        assertEquals(1, new ByteRange(0, 0).length());
        assertEquals(500, new ByteRange(0, 499).length());
        assertEquals(Long.MAX_VALUE, new ByteRange(0, Long.MAX_VALUE - 1).length());
    }

    @Test
    void shouldWriteTheContentRangeOfRfc9110()
    {
        assertEquals("bytes 0-499/1234", new ByteRange(0, 499).contentRange(1234));
        assertEquals("bytes 1233-1233/1234", new ByteRange(1233, 1233).contentRange(1234));
        assertEquals("bytes 0-0/1", new ByteRange(0, 0).contentRange(1));
    }

    @Test
    void shouldRefuseAContentRangeBeyondTheRepresentation()
    {
        assertThrows(IllegalArgumentException.class, () -> new ByteRange(0, 10).contentRange(10));
    }

    @Test
    void shouldWriteItselfAsARangeSpec()
    {
        assertEquals("500-999", new ByteRange(500, 999).toString());
    }

    @Test
    void shouldRejectPositionsThatDoNotMakeARange()
    {
        assertThrows(IllegalArgumentException.class, () -> new ByteRange(-1, 5));
        assertThrows(IllegalArgumentException.class, () -> new ByteRange(5, 4));
        assertThrows(IllegalArgumentException.class, () -> new ByteRange(0, Long.MAX_VALUE));
    }
}
