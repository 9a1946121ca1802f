package dev.rawcache.examples;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ValuePatternTest
{
    @Test
    void shouldAcceptItsOwnValueInPiecesOfAnyLength()
    {
        final ByteBuffer value = ValuePattern.valueOf("key", 1001);
        for (final int piece : new int[]{1, 3, 7, 8, 13, 64, 1000, 1001})
        {
            final ValuePattern.Checker checker = ValuePattern.checker("key", 1001);
            for (int at = 0; at < 1001; at += piece)
            {
                checker.update(value.slice(at, Math.min(piece, 1001 - at)));
            }
            assertNull(checker.problem(), "pieces of " + piece);
        }
    }

    @Test
    void shouldFindAFlippedByteAnywhere()
    {
        for (final int offset : new int[]{0, 5, 8, 500, 1000})
        {
            final ByteBuffer value = ValuePattern.valueOf("key", 1001);
            value.put(offset, (byte)(value.get(offset) ^ 1));

            final String problem = ValuePattern.checker("key", 1001).update(value.slice(0, 3))
                .update(value.slice(3, 998)).problem();

            assertNotNull(problem, "flip at " + offset);
            assertTrue(problem.contains("at offset " + (offset / 8 * 8)) || problem.contains("at offset " + offset),
                problem);
        }
    }

    @Test
    void shouldRefuseAnotherKeysValueAndAShortOrLongOne()
    {
        assertNotNull(ValuePattern.checker("a", 64).update(ValuePattern.valueOf("b", 64)).problem());
        assertNotNull(ValuePattern.checker("a", 64).update(ValuePattern.valueOf("a", 63)).problem());
        assertNotNull(ValuePattern.checker("a", 64).update(ValuePattern.valueOf("a", 65)).problem());
        assertEquals(ValuePattern.valueOf("a", 64), ValuePattern.valueOf("a", 64));
    }
}
