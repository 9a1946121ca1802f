package dev.rawcache.server.http;

import dev.rawcache.server.http.Preconditions.Outcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PreconditionsTest
{
    private static final String ETAG = "\"v1\"";
    private static final String WEAK_ETAG = "W/\"v1\"";
    /** Last-Modified with a millisecond part, to show comparisons are to the second. */
    private static final long MODIFIED = Instant.parse("2024-05-01T10:00:00.750Z").toEpochMilli();
    private static final String AT_MODIFIED = "Wed, 01 May 2024 10:00:00 GMT";
    private static final String BEFORE_MODIFIED = "Wed, 01 May 2024 09:59:59 GMT";
    private static final String AFTER_MODIFIED = "Wed, 01 May 2024 10:00:01 GMT";

    @Test
    void shouldProceedWithoutConditions()
    {
        assertEquals(Outcome.PROCEED, Preconditions.evaluate(null, null, ETAG, MODIFIED));
        assertEquals(Outcome.PROCEED, Preconditions.evaluate(null, null, null, null, ETAG, MODIFIED, false));
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"v1\"", "W/\"v1\"", "\"v0\", \"v1\"", "\"x\",W/\"v1\",\"y\"", "*", " \"v1\" "})
    void shouldAnswerNotModifiedWhenIfNoneMatchMatchesWeakly(final String ifNoneMatch)
    {
        assertEquals(Outcome.NOT_MODIFIED, Preconditions.evaluate(ifNoneMatch, null, ETAG, MODIFIED));
        assertEquals(Outcome.NOT_MODIFIED, Preconditions.evaluate(ifNoneMatch, null, WEAK_ETAG, MODIFIED));
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"v2\"", "W/\"v2\"", "\"v1,\"", "\"V1\"", "\"v0\", \"v2\""})
    void shouldProceedWhenIfNoneMatchMatchesNothing(final String ifNoneMatch)
    {
        assertEquals(Outcome.PROCEED, Preconditions.evaluate(ifNoneMatch, null, ETAG, MODIFIED));
    }

    @Test
    void shouldLetIfNoneMatchTakePrecedenceOverIfModifiedSince()
    {
        assertEquals(Outcome.PROCEED, Preconditions.evaluate("\"v2\"", AFTER_MODIFIED, ETAG, MODIFIED));
        assertEquals(Outcome.NOT_MODIFIED, Preconditions.evaluate("\"v1\"", BEFORE_MODIFIED, ETAG, MODIFIED));
    }

    @Test
    void shouldTreatStarAsMatchingTheCurrentRepresentationEvenWithoutAnEtag()
    {
        assertEquals(Outcome.NOT_MODIFIED, Preconditions.evaluate("*", null, null, -1));
    }

    @Test
    void shouldProceedWhenTheRepresentationHasNoUsableEtag()
    {
        assertEquals(Outcome.PROCEED, Preconditions.evaluate("\"v1\"", null, null, MODIFIED));
        assertEquals(Outcome.PROCEED, Preconditions.evaluate("\"v1\"", null, "v1", MODIFIED));
    }

    @ParameterizedTest
    @ValueSource(strings = {"v1", "\"v1", "\"v1\" \"v2\"", "*, \"v1\""})
    void shouldNeverAnswerNotModifiedToAMalformedIfNoneMatch(final String ifNoneMatch)
    {
        assertEquals(Outcome.PROCEED, Preconditions.evaluate(ifNoneMatch, AFTER_MODIFIED, ETAG, MODIFIED));
    }

    @Test
    void shouldTreatABlankIfNoneMatchAsAbsent()
    {
        assertEquals(Outcome.NOT_MODIFIED, Preconditions.evaluate(" ", AFTER_MODIFIED, ETAG, MODIFIED));
        assertEquals(Outcome.NOT_MODIFIED, Preconditions.evaluate("", AT_MODIFIED, ETAG, MODIFIED));
    }

    @Test
    void shouldCompareIfModifiedSinceToTheSecond()
    {
        assertEquals(Outcome.NOT_MODIFIED, Preconditions.evaluate(null, AT_MODIFIED, ETAG, MODIFIED));
        assertEquals(Outcome.NOT_MODIFIED, Preconditions.evaluate(null, AFTER_MODIFIED, ETAG, MODIFIED));
        assertEquals(Outcome.PROCEED, Preconditions.evaluate(null, BEFORE_MODIFIED, ETAG, MODIFIED));
    }

    @Test
    void shouldAcceptIfModifiedSinceInEveryDateFormat()
    {
        assertEquals(Outcome.NOT_MODIFIED,
            Preconditions.evaluate(null, "Wednesday, 01-May-24 10:00:00 GMT", ETAG, MODIFIED));
        assertEquals(Outcome.NOT_MODIFIED, Preconditions.evaluate(null, "Wed May  1 10:00:00 2024", ETAG, MODIFIED));
    }

    @ParameterizedTest
    @ValueSource(strings = {"yesterday", "0", "Wed, 01 May 2024 10:00:00 GMT; length=12", "1714557600"})
    void shouldIgnoreAnIfModifiedSinceThatIsNotADate(final String ifModifiedSince)
    {
        assertEquals(Outcome.PROCEED, Preconditions.evaluate(null, ifModifiedSince, ETAG, MODIFIED));
    }

    @Test
    void shouldIgnoreIfModifiedSinceWithoutLastModified()
    {
        assertEquals(Outcome.PROCEED, Preconditions.evaluate(null, AFTER_MODIFIED, ETAG, -1));
    }

    @Test
    void shouldIgnoreIfModifiedSinceForOtherMethods()
    {
        assertEquals(Outcome.PROCEED,
            Preconditions.evaluate(null, null, null, AFTER_MODIFIED, ETAG, MODIFIED, false));
    }

    @Test
    void shouldFailIfNoneMatchForOtherMethods()
    {
        assertEquals(Outcome.PRECONDITION_FAILED,
            Preconditions.evaluate(null, null, "\"v1\"", null, ETAG, MODIFIED, false));
        assertEquals(Outcome.PRECONDITION_FAILED, Preconditions.evaluate(null, null, "*", null, ETAG, MODIFIED, false));
        assertEquals(Outcome.PROCEED, Preconditions.evaluate(null, null, "\"v2\"", null, ETAG, MODIFIED, false));
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"v1\"", "*", "\"v0\", \"v1\"", "\"v0\",W/\"v0\", \"v1\""})
    void shouldProceedWhenIfMatchMatchesStrongly(final String ifMatch)
    {
        assertEquals(Outcome.PROCEED, Preconditions.evaluate(ifMatch, null, null, null, ETAG, MODIFIED, true));
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"v2\"", "W/\"v1\"", "v1", "\"v1", "\"v1\" junk"})
    void shouldFailWhenIfMatchDoesNotMatchStrongly(final String ifMatch)
    {
        assertEquals(Outcome.PRECONDITION_FAILED,
            Preconditions.evaluate(ifMatch, null, null, null, ETAG, MODIFIED, true));
    }

    @Test
    void shouldFailIfMatchAgainstAWeakCurrentTag()
    {
        assertEquals(Outcome.PRECONDITION_FAILED,
            Preconditions.evaluate(WEAK_ETAG, null, null, null, WEAK_ETAG, MODIFIED, true));
        assertEquals(Outcome.PRECONDITION_FAILED,
            Preconditions.evaluate("\"v1\"", null, null, null, WEAK_ETAG, MODIFIED, true));
        assertEquals(Outcome.PRECONDITION_FAILED,
            Preconditions.evaluate("\"v1\"", null, null, null, null, MODIFIED, true));
    }

    @Test
    void shouldEvaluateIfMatchBeforeIfNoneMatch()
    {
        assertEquals(Outcome.PRECONDITION_FAILED,
            Preconditions.evaluate("\"v2\"", null, "\"v1\"", null, ETAG, MODIFIED, true));
        assertEquals(Outcome.NOT_MODIFIED,
            Preconditions.evaluate("\"v1\"", null, "\"v1\"", null, ETAG, MODIFIED, true));
    }

    @Test
    void shouldFailWhenModifiedAfterIfUnmodifiedSince()
    {
        assertEquals(Outcome.PRECONDITION_FAILED,
            Preconditions.evaluate(null, BEFORE_MODIFIED, null, null, ETAG, MODIFIED, true));
        assertEquals(Outcome.PROCEED, Preconditions.evaluate(null, AT_MODIFIED, null, null, ETAG, MODIFIED, true));
        assertEquals(Outcome.PROCEED, Preconditions.evaluate(null, AFTER_MODIFIED, null, null, ETAG, MODIFIED, true));
    }

    @Test
    void shouldIgnoreIfUnmodifiedSinceWhenIfMatchIsPresent()
    {
        assertEquals(Outcome.PROCEED,
            Preconditions.evaluate("\"v1\"", BEFORE_MODIFIED, null, null, ETAG, MODIFIED, true));
    }

    @Test
    void shouldIgnoreAnIfUnmodifiedSinceThatCannotBeEvaluated()
    {
        assertEquals(Outcome.PROCEED, Preconditions.evaluate(null, "garbage", null, null, ETAG, MODIFIED, true));
        assertEquals(Outcome.PROCEED, Preconditions.evaluate(null, BEFORE_MODIFIED, null, null, ETAG, -1, true));
    }

    @Test
    void shouldAnswerNotModifiedAfterPassingIfUnmodifiedSince()
    {
        assertEquals(Outcome.NOT_MODIFIED,
            Preconditions.evaluate(null, AT_MODIFIED, null, AT_MODIFIED, ETAG, MODIFIED, true));
    }

    @Test
    void shouldHonourRangeWithoutIfRange()
    {
        assertTrue(Preconditions.ifRangeAllows(null, ETAG, MODIFIED));
        assertTrue(Preconditions.ifRangeAllows(null, null, -1));
    }

    @Test
    void shouldHonourRangeWhenIfRangeMatchesTheEtagStrongly()
    {
        assertTrue(Preconditions.ifRangeAllows("\"v1\"", ETAG, MODIFIED));
        assertTrue(Preconditions.ifRangeAllows(" \"v1\" ", ETAG, MODIFIED));
    }

    @Test
    void shouldNeverHonourRangeForAWeakEtag()
    {
        assertFalse(Preconditions.ifRangeAllows("W/\"v1\"", WEAK_ETAG, MODIFIED));
        assertFalse(Preconditions.ifRangeAllows("W/\"v1\"", ETAG, MODIFIED));
        assertFalse(Preconditions.ifRangeAllows("\"v1\"", WEAK_ETAG, MODIFIED));
    }

    @Test
    void shouldNotHonourRangeForAnotherEtag()
    {
        assertFalse(Preconditions.ifRangeAllows("\"v2\"", ETAG, MODIFIED));
        assertFalse(Preconditions.ifRangeAllows("\"v1\"", null, MODIFIED));
    }

    @Test
    void shouldHonourRangeWhenIfRangeIsTheLastModifiedSecond()
    {
        assertTrue(Preconditions.ifRangeAllows(AT_MODIFIED, ETAG, MODIFIED));
        assertTrue(Preconditions.ifRangeAllows("Wednesday, 01-May-24 10:00:00 GMT", null, MODIFIED));
        assertFalse(Preconditions.ifRangeAllows(AFTER_MODIFIED, ETAG, MODIFIED));
        assertFalse(Preconditions.ifRangeAllows(BEFORE_MODIFIED, ETAG, MODIFIED));
        assertFalse(Preconditions.ifRangeAllows(AT_MODIFIED, ETAG, -1));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "v1", "*", "\"v1", "W/v1", "\"v1\", \"v2\"", "tomorrow"})
    void shouldNotHonourRangeForAnIfRangeItCannotRead(final String ifRange)
    {
        assertFalse(Preconditions.ifRangeAllows(ifRange, ETAG, MODIFIED));
    }
}
