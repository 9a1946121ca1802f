package dev.rawcache.server.http;

import dev.rawcache.server.http.RangeRequest.Full;
import dev.rawcache.server.http.RangeRequest.Partial;
import dev.rawcache.server.http.RangeRequest.Result;
import dev.rawcache.server.http.RangeRequest.Unsatisfiable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RangeRequestTest
{
    private static final int MAX_RANGES = 16;

    @Test
    void shouldServeFullWhenThereIsNoRangeHeader()
    {
        assertEquals(new Full(Full.Why.NO_RANGE), RangeRequest.evaluate(null, 100, MAX_RANGES));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "bytes=0-499       | 0-499",
        "bytes=500-999     | 500-999",
        "bytes=-500        | 9500-9999",
        "bytes=9500-       | 9500-9999",
        "bytes=0-0,-1      | 0-0;9999-9999",
        "bytes=500-600,601-999 | 500-600;601-999",
        "bytes=500-700,601-999 | 500-999",
    })
    void shouldResolveTheExamplesOfRfc9110(final String header, final String expected)
    {
        assertPartial(expected, RangeRequest.evaluate(header, 10_000, MAX_RANGES));
    }

    @Test
    void shouldResolveAFirstAndLastByteRequestOnASmallRepresentation()
    {
        assertPartial("0-0;9-9", RangeRequest.evaluate("bytes=0-0,-1", 10, MAX_RANGES));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "bytes=0-99999               | 0-9",
        "bytes=5-                    | 5-9",
        "bytes=-20                   | 0-9",
        "bytes=-10                   | 0-9",
        "bytes=9-9                   | 9-9",
        "bytes=0-9223372036854775807 | 0-9",
        "bytes=-9223372036854775807  | 0-9",
        "bytes=000-001               | 0-1",
    })
    void shouldClampRangesToTheLastByte(final String header, final String expected)
    {
        assertPartial(expected, RangeRequest.evaluate(header, 10, MAX_RANGES));
    }

    @ParameterizedTest
    @ValueSource(strings = {"bytes=10-", "bytes=10-20", "bytes=-0", "bytes=10-20,-0,11-", "bytes=9223372036854775807-"})
    void shouldAnswerUnsatisfiableWhenNoRangeOverlapsTheRepresentation(final String header)
    {
        final Result result = RangeRequest.evaluate(header, 10, MAX_RANGES);
        assertEquals(new Unsatisfiable(10), result);
        assertEquals("bytes */10", ((Unsatisfiable)result).contentRange());
    }

    @Test
    void shouldDropUnsatisfiableRangesWhenAnotherIsSatisfiable()
    {
        assertPartial("0-1", RangeRequest.evaluate("bytes=20-30,0-1", 10, MAX_RANGES));
        assertPartial("8-9", RangeRequest.evaluate("bytes=-0,8-", 10, MAX_RANGES));
    }

    @Test
    void shouldServeTheOnlyByteOfAOneByteRepresentation()
    {
        assertPartial("0-0", RangeRequest.evaluate("bytes=0-0", 1, MAX_RANGES));
        assertPartial("0-0", RangeRequest.evaluate("bytes=0-", 1, MAX_RANGES));
        assertPartial("0-0", RangeRequest.evaluate("bytes=-1", 1, MAX_RANGES));
        assertPartial("0-0", RangeRequest.evaluate("bytes=-5", 1, MAX_RANGES));
        assertPartial("0-0", RangeRequest.evaluate("bytes=0-100", 1, MAX_RANGES));
        assertEquals(new Unsatisfiable(1), RangeRequest.evaluate("bytes=1-", 1, MAX_RANGES));
    }

    @ParameterizedTest
    @ValueSource(strings = {"bytes=0-", "bytes=0-0", "bytes=-1", "bytes=5-10", "bytes=-0", "bytes=0-1,-1"})
    void shouldIgnoreRangesOnAnEmptyRepresentation(final String header)
    {
        assertEquals(new Full(Full.Why.EMPTY_REPRESENTATION), RangeRequest.evaluate(header, 0, MAX_RANGES));
    }

    @Test
    void shouldStillCallAMalformedHeaderMalformedOnAnEmptyRepresentation()
    {
        assertEquals(new Full(Full.Why.MALFORMED), RangeRequest.evaluate("bytes=5-2", 0, MAX_RANGES));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", " ", "bytes", "bytes=", "bytes=,", "bytes= , ,", "=0-1", "bytes =0-1", "bytes= 0-1 ; 2-3",
        "bytes=5-2", "bytes=0-1,5-2", "bytes=-", "bytes=--1", "bytes=1-2-3", "bytes=a-b", "bytes=1-b", "bytes=+1-2",
        "bytes=1-+2", "bytes=-+2", "bytes=1 -2", "bytes=1- 2", "bytes=1 2-3", "bytes=0x1-2", "bytes=1.5-2",
        "bytes=99999999999999999999-", "bytes=0-99999999999999999999", "bytes=-99999999999999999999",
        "bytes=9223372036854775808-", "bytes=0-1;2-3", "bytes=\u0663-5", "bytes=0-1,x", "bytes 0-1", "bytes:0-1",
        "bytes=0-1\r\n", "by tes=0-1",
    })
    void shouldIgnoreMalformedRangeAndServeFull(final String header)
    {
        assertEquals(new Full(Full.Why.MALFORMED), RangeRequest.evaluate(header, 10_000, MAX_RANGES));
    }

    @ParameterizedTest
    @ValueSource(strings = {"items=0-1", "none=0-1", "byte=0-1", "bytess=0-1", "x-bytes=0-1"})
    void shouldIgnoreAnUnsupportedUnit(final String header)
    {
        assertEquals(new Full(Full.Why.UNSUPPORTED_UNIT), RangeRequest.evaluate(header, 10_000, MAX_RANGES));
    }

    @ParameterizedTest
    @ValueSource(strings = {"BYTES=0-1", "Bytes=0-1", "bYtEs=0-1"})
    void shouldReadTheUnitInAnyCase(final String header)
    {
        assertPartial("0-1", RangeRequest.evaluate(header, 10, MAX_RANGES));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "bytes=0-1 , 3-4       | 0-1;3-4",
        "bytes=0-1\t,\t3-4     | 0-1;3-4",
        "'  bytes=0-1,3-4\t '  | 0-1;3-4",
        "bytes= 0-1            | 0-1",
        "bytes=0-1,,3-4        | 0-1;3-4",
        "'bytes=,0-1,'         | 0-1",
        "'bytes=, ,0-1, ,, 3-4,' | 0-1;3-4",
    })
    void shouldAcceptWhitespaceAndEmptyElementsAroundCommas(final String header, final String expected)
    {
        assertPartial(expected, RangeRequest.evaluate(header, 10, MAX_RANGES));
    }

    @Test
    void shouldIgnoreMoreRangesThanAllowed()
    {
        assertEquals(new Full(Full.Why.TOO_MANY_RANGES), RangeRequest.evaluate("bytes=0-0,2-2,4-4", 10, 2));
        assertPartial("0-0;2-2", RangeRequest.evaluate("bytes=0-0,2-2", 10, 2));
        assertPartial("0-0;2-2", RangeRequest.evaluate("bytes=0-0,,,2-2,", 10, 2));
    }

    @Test
    void shouldCountRangesAsWrittenBeforeDroppingOrMergingThem()
    {
        assertEquals(new Full(Full.Why.TOO_MANY_RANGES), RangeRequest.evaluate("bytes=100-,200-,0-1", 10, 2));
        assertEquals(new Full(Full.Why.TOO_MANY_RANGES), RangeRequest.evaluate("bytes=0-5,0-5,0-5", 10, 2));
    }

    @Test
    void shouldPreferMalformedOverTooManyRanges()
    {
        assertEquals(new Full(Full.Why.MALFORMED), RangeRequest.evaluate("bytes=0-0,1-1,2-2,9-1", 10, 2));
    }

    @Test
    void shouldKeepManyDisjointRangesInRequestOrder()
    {
        final StringBuilder header = new StringBuilder("bytes=");
        final List<ByteRange> expected = new ArrayList<>();
        for (int i = 99; i >= 0; i--)
        {
            header.append(i * 10).append('-').append(i * 10 + 4).append(i == 0 ? "" : ",");
            expected.add(new ByteRange(i * 10, i * 10 + 4));
        }
        assertEquals(new Partial(expected), RangeRequest.evaluate(header.toString(), 1000, 100));
        assertEquals(new Full(Full.Why.TOO_MANY_RANGES), RangeRequest.evaluate(header.toString(), 1000, 99));
    }

    @Test
    void shouldKeepRequestOrderWhenNothingOverlaps()
    {
        assertPartial("50-59;0-9", RangeRequest.evaluate("bytes=50-59,0-9", 100, MAX_RANGES));
        assertPartial("90-99;0-0", RangeRequest.evaluate("bytes=-10,0-0", 100, MAX_RANGES));
    }

    @Test
    void shouldNotMergeAdjacentRanges()
    {
        assertPartial("0-9;10-19", RangeRequest.evaluate("bytes=0-9,10-19", 100, MAX_RANGES));
    }

    @Test
    void shouldMergeOverlappingRangesAtThePlaceOfTheEarliest()
    {
        assertPartial("50-59;0-14", RangeRequest.evaluate("bytes=50-59,0-9,5-14", 100, MAX_RANGES));
        assertPartial("50-59;0-14;70-79", RangeRequest.evaluate("bytes=50-59,5-14,70-79,0-9", 100, MAX_RANGES));
        assertPartial("0-9", RangeRequest.evaluate("bytes=0-9,0-9", 100, MAX_RANGES));
        assertPartial("0-9", RangeRequest.evaluate("bytes=0-9,3-4", 100, MAX_RANGES));
        assertPartial("90-99", RangeRequest.evaluate("bytes=-10,95-", 100, MAX_RANGES));
    }

    @Test
    void shouldMergeChainsOfOverlapsTransitively()
    {
        assertPartial("0-30", RangeRequest.evaluate("bytes=0-5,20-30,4-10,9-21", 100, MAX_RANGES));
    }

    @Test
    void shouldNeverSendMoreBytesThanTheRepresentationForOverlappingRanges()
    {
        final String header = "bytes=" + "0-,".repeat(15) + "-1000,1-2,500-";
        final Result result = RangeRequest.evaluate(header, 1000, 100);
        assertPartial("0-999", result);
    }

    @Test
    void shouldHandleTheLargestRepresentation()
    {
        final long size = Long.MAX_VALUE;
        assertPartial("9223372036854775806-9223372036854775806",
            RangeRequest.evaluate("bytes=9223372036854775806-", size, MAX_RANGES));
        assertPartial("0-9223372036854775806", RangeRequest.evaluate("bytes=0-", size, MAX_RANGES));
        assertPartial("9223372036854775805-9223372036854775806", RangeRequest.evaluate("bytes=-2", size, MAX_RANGES));
        assertEquals(new Unsatisfiable(size), RangeRequest.evaluate("bytes=9223372036854775807-", size, MAX_RANGES));
    }

    @Test
    void shouldGiveAnImmutableListOfRanges()
    {
        final Partial partial = (Partial)RangeRequest.evaluate("bytes=0-1,5-6", 10, MAX_RANGES);
        assertThrows(UnsupportedOperationException.class, () -> partial.ranges().add(new ByteRange(0, 0)));
        assertThrows(IllegalArgumentException.class, () -> new Partial(List.of()));
    }

    @Test
    void shouldRejectANegativeSizeOrNoRangesAllowed()
    {
        assertThrows(IllegalArgumentException.class, () -> RangeRequest.evaluate("bytes=0-1", -1, MAX_RANGES));
        assertThrows(IllegalArgumentException.class, () -> RangeRequest.evaluate("bytes=0-1", 10, 0));
    }

    /**
     * Asserts a {@link Partial} with the ranges written as {@code a-b;c-d}.
     */
    private static void assertPartial(final String expected, final Result result)
    {
        final List<ByteRange> ranges = new ArrayList<>();
        for (final String range : expected.split(";"))
        {
            final String[] ends = range.split("-");
            ranges.add(new ByteRange(Long.parseLong(ends[0]), Long.parseLong(ends[1])));
        }
        assertEquals(new Partial(ranges), assertInstanceOf(Partial.class, result));
    }
}
