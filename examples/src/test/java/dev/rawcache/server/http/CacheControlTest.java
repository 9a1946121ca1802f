package dev.rawcache.server.http;

import dev.rawcache.server.http.CacheControl.Freshness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CacheControlTest
{
    private static final long NOW = Instant.parse("2024-05-01T10:00:00Z").toEpochMilli();
    private static final String NOW_DATE = "Wed, 01 May 2024 10:00:00 GMT";
    private static final long DEFAULT_TTL = 300_000;

    @Test
    void shouldReadNoHeaderAsNoDirectives()
    {
        assertEquals(CacheControl.NONE, CacheControl.parse(null));
        assertEquals(CacheControl.NONE, CacheControl.parse(""));
        assertEquals(CacheControl.NONE, CacheControl.parse(" \t"));
        assertEquals(-1, CacheControl.NONE.maxAgeSeconds());
        assertEquals(-1, CacheControl.NONE.sMaxAgeSeconds());
        assertEquals(-1, CacheControl.NONE.staleWhileRevalidateSeconds());
        assertEquals(-1, CacheControl.NONE.staleIfErrorSeconds());
    }

    @Test
    void shouldReadEveryDirectiveItKnows()
    {
        final CacheControl cc = CacheControl.parse("public, max-age=60, s-maxage=120, stale-while-revalidate=30, " +
            "stale-if-error=600, must-revalidate, proxy-revalidate, no-cache, no-store, private");
        assertEquals(new CacheControl(true, true, true, true, true, true, 60, 120, 30, 600), cc);
        assertTrue(cc.noStore());
        assertTrue(cc.isPrivate());
        assertTrue(cc.noCache());
        assertTrue(cc.publicDirective());
        assertTrue(cc.mustRevalidate());
        assertTrue(cc.proxyRevalidate());
    }

    @Test
    void shouldReadDirectiveNamesInAnyCase()
    {
        final CacheControl cc = CacheControl.parse("Max-Age=60, NO-STORE, S-MaxAge=5");
        assertEquals(60, cc.maxAgeSeconds());
        assertEquals(5, cc.sMaxAgeSeconds());
        assertTrue(cc.noStore());
    }

    @Test
    void shouldReadQuotedNumbers()
    {
        assertEquals(60, CacheControl.parse("max-age=\"60\"").maxAgeSeconds());
        assertEquals(7, CacheControl.parse("s-maxage=\"\\7\"").sMaxAgeSeconds());
    }

    @ParameterizedTest
    @ValueSource(strings = {"max-age=abc", "max-age=-1", "max-age=", "max-age", "max-age=1.5", "max-age=+5",
        "max-age=\"\"", "max-age=\"6 0\"", "max-age=6 0", "max-age=60x", "max-age=\"60", "max-age=0x10",
        "max-age=\u0663"})
    void shouldLeaveOutANumberThatIsNotDeltaSeconds(final String header)
    {
        assertEquals(-1, CacheControl.parse(header).maxAgeSeconds());
    }

    @Test
    void shouldCapHugeNumbersAtTwoToTheThirtyOne()
    {
        assertEquals(CacheControl.MAX_DELTA_SECONDS, CacheControl.parse("max-age=2147483648").maxAgeSeconds());
        assertEquals(CacheControl.MAX_DELTA_SECONDS, CacheControl.parse("max-age=99999999999999999999999999")
            .maxAgeSeconds());
        assertEquals(2147483647, CacheControl.parse("max-age=2147483647").maxAgeSeconds());
    }

    @Test
    void shouldKeepTheFirstValidOccurrenceOfARepeatedNumber()
    {
        assertEquals(60, CacheControl.parse("max-age=60, max-age=10").maxAgeSeconds());
        assertEquals(30, CacheControl.parse("max-age=abc, max-age=30").maxAgeSeconds());
        assertEquals(0, CacheControl.parse("max-age=0, max-age=3600").maxAgeSeconds());
    }

    @Test
    void shouldIgnoreUnknownDirectivesAndTheirValues()
    {
        final CacheControl cc = CacheControl.parse("foo, bar=baz, ext=\"max-age=1, no-store\", max-age=5, immutable");
        assertEquals(new CacheControl(false, false, false, false, false, false, 5, -1, -1, -1), cc);
    }

    @Test
    void shouldNotSplitAtCommasInsideQuotes()
    {
        final CacheControl cc = CacheControl.parse("private=\"set-cookie, no-store\", max-age=60");
        assertTrue(cc.isPrivate());
        assertFalse(cc.noStore());
        assertEquals(60, cc.maxAgeSeconds());
    }

    @Test
    void shouldReadQualifiedPrivateAndNoCacheAsTheirPlainForms()
    {
        assertTrue(CacheControl.parse("private=\"Set-Cookie\"").isPrivate());
        assertTrue(CacheControl.parse("no-cache=\"Set-Cookie, X-Token\"").noCache());
        assertTrue(CacheControl.parse("no-cache=Set-Cookie").noCache());
    }

    @Test
    void shouldReadSeveralHeaderLinesJoinedWithCommas()
    {
        final CacheControl cc = CacheControl.parse(",,public,max-age=3600,, ,no-transform , stale-if-error=60,");
        assertTrue(cc.publicDirective());
        assertEquals(3600, cc.maxAgeSeconds());
        assertEquals(60, cc.staleIfErrorSeconds());
    }

    @Test
    void shouldTolerateSpacesAroundTheEqualsSign()
    {
        assertEquals(60, CacheControl.parse("max-age = 60").maxAgeSeconds());
    }

    @Test
    void shouldKeepAFlagFollowedByJunkButDropANumberFollowedByJunk()
    {
        final CacheControl cc = CacheControl.parse("no-store junk, max-age=60 junk, s-maxage=5");
        assertTrue(cc.noStore());
        assertEquals(-1, cc.maxAgeSeconds());
        assertEquals(5, cc.sMaxAgeSeconds());
    }

    @Test
    void shouldSurviveElementsThatAreNotDirectives()
    {
        final CacheControl cc = CacheControl.parse("=5, \"quoted, text\", @@, ;max-age=1, private, max-age=9");
        assertTrue(cc.isPrivate());
        assertEquals(9, cc.maxAgeSeconds());
    }

    @Test
    void shouldKeepAFlagWhoseQuotedValueIsNeverClosed()
    {
        final CacheControl cc = CacheControl.parse("max-age=5, private=\"abc, no-store");
        assertEquals(5, cc.maxAgeSeconds());
        assertTrue(cc.isPrivate());
        assertFalse(cc.noStore());
    }

    @Test
    void shouldFallBackOnPragmaNoCacheOnlyWithoutCacheControl()
    {
        assertTrue(CacheControl.parse(null, "no-cache").noCache());
        assertTrue(CacheControl.parse("", "No-Cache").noCache());
        assertFalse(CacheControl.parse("max-age=60", "no-cache").noCache());
        assertEquals(CacheControl.NONE, CacheControl.parse(null, "x-other"));
        assertEquals(CacheControl.NONE, CacheControl.parse(null, "max-age=60, no-store"));
        assertEquals(CacheControl.NONE, CacheControl.parse(null, null));
    }

    @Test
    void shouldRejectNumbersOutOfRangeInTheConstructor()
    {
        assertThrows(IllegalArgumentException.class,
            () -> new CacheControl(false, false, false, false, false, false, -2, -1, -1, -1));
        assertThrows(IllegalArgumentException.class,
            () -> new CacheControl(false, false, false, false, false, false, -1, CacheControl.MAX_DELTA_SECONDS + 1,
                -1, -1));
    }

    @ParameterizedTest
    @ValueSource(strings = {"no-store", "private", "private, max-age=60", "public, no-store, max-age=60",
        "s-maxage=60, private"})
    void shouldNotStoreNoStoreOrPrivate(final String header)
    {
        assertEquals(Freshness.NOT_STORABLE, freshness(header, null, null, null));
    }

    @Test
    void shouldPreferSMaxAgeOverMaxAgeOverExpires()
    {
        final String expires = "Wed, 01 May 2024 11:00:00 GMT";
        assertEquals(fresh(120_000), freshness("max-age=60, s-maxage=120", expires, NOW_DATE, null));
        assertEquals(fresh(60_000), freshness("max-age=60", expires, NOW_DATE, null));
        assertEquals(fresh(3_600_000), freshness(null, expires, NOW_DATE, null));
        assertEquals(fresh(0), freshness("s-maxage=0, max-age=60", expires, NOW_DATE, null));
    }

    @Test
    void shouldMeasureExpiresFromDateWhateverTheLocalClock()
    {
        final String date = "Wed, 01 May 2024 09:00:00 GMT";
        final String expires = "Wed, 01 May 2024 09:10:00 GMT";
        assertEquals(fresh(600_000), freshness(null, expires, date, null));
    }

    @Test
    void shouldMeasureExpiresFromNowWithoutAUsableDate()
    {
        final String expires = "Wed, 01 May 2024 10:10:00 GMT";
        assertEquals(fresh(600_000), freshness(null, expires, null, null));
        assertEquals(fresh(600_000), freshness(null, expires, "garbage", null));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-1", "", "never", "Wed, 01 May 2024 09:00:00 GMT", "Thu, 01 Jan 1970 00:00:00 GMT"})
    void shouldTreatAnInvalidOrPastExpiresAsAlreadyExpired(final String expires)
    {
        assertEquals(fresh(0), freshness(null, expires, NOW_DATE, null));
    }

    @Test
    void shouldUseTheDefaultTtlWithoutAnyLifetime()
    {
        assertEquals(fresh(DEFAULT_TTL), freshness(null, null, NOW_DATE, null));
        assertEquals(fresh(DEFAULT_TTL), freshness("public, max-age=oops", null, null, null));
        assertEquals(fresh(0), CacheControl.freshness(CacheControl.NONE, null, null, null, NOW, 0));
    }

    @Test
    void shouldSubtractTheAgeFromTheLifetime()
    {
        assertEquals(fresh(40_000), freshness("max-age=60", null, null, "20"));
        assertEquals(fresh(40_000), freshness("max-age=60", null, null, " 20 "));
        assertEquals(fresh(0), freshness("max-age=60", null, null, "60"));
        assertEquals(fresh(0), freshness("max-age=60", null, null, "100"));
        assertEquals(fresh(0), freshness("max-age=60", null, null, "99999999999999999999"));
        assertEquals(fresh(DEFAULT_TTL - 1000), freshness(null, null, null, "1"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "-5", "1.5", ""})
    void shouldIgnoreAnAgeThatIsNotDeltaSeconds(final String age)
    {
        assertEquals(fresh(60_000), freshness("max-age=60", null, null, age));
    }

    @Test
    void shouldStoreNoCacheButRevalidateEveryTime()
    {
        assertEquals(fresh(0), freshness("no-cache, max-age=3600, stale-while-revalidate=60", null, null, null));
        assertEquals(fresh(0), freshness("no-cache", null, null, null));
        assertEquals(fresh(0), CacheControl.freshness(CacheControl.parse(null, "no-cache"), null, null, null, NOW,
            DEFAULT_TTL));
    }

    @Test
    void shouldGiveTheStaleWindows()
    {
        assertEquals(new Freshness(true, 60_000, 30_000, 600_000),
            freshness("max-age=60, stale-while-revalidate=30, stale-if-error=600", null, null, null));
    }

    @Test
    void shouldShortenTheStaleWindowsByTheAgeBeyondTheLifetime()
    {
        assertEquals(new Freshness(true, 0, 10_000, 580_000),
            freshness("max-age=60, stale-while-revalidate=30, stale-if-error=600", null, null, "80"));
        assertEquals(new Freshness(true, 0, 0, 0),
            freshness("max-age=60, stale-while-revalidate=30, stale-if-error=600", null, null, "1000"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"must-revalidate", "proxy-revalidate", "no-cache"})
    void shouldNotServeStaleWhenRevalidationIsRequired(final String directive)
    {
        final Freshness freshness = freshness("max-age=60, stale-while-revalidate=30, stale-if-error=600, " +
            directive, null, null, null);
        assertEquals(0, freshness.staleWhileRevalidateMillis());
        assertEquals(0, freshness.staleIfErrorMillis());
        assertTrue(freshness.storable());
    }

    @Test
    void shouldHonourStaleWindowsAlongsideSMaxAge()
    {
        assertEquals(new Freshness(true, 1_000, 59_000, 0),
            freshness("s-maxage=1, stale-while-revalidate=59", null, null, null));
    }

    @Test
    void shouldHandleTheLargestLifetimes()
    {
        assertEquals(fresh(CacheControl.MAX_DELTA_SECONDS * 1000),
            freshness("max-age=99999999999999999999", null, null, null));
        assertEquals(fresh(Long.MAX_VALUE), CacheControl.freshness(CacheControl.NONE, null, null, null, NOW,
            Long.MAX_VALUE));
        assertEquals(fresh(Instant.parse("9999-12-31T23:59:59Z").toEpochMilli() - NOW),
            freshness(null, "Fri, 31 Dec 9999 23:59:59 GMT", null, null));
    }

    @Test
    void shouldRejectANegativeDefaultTtl()
    {
        assertThrows(IllegalArgumentException.class,
            () -> CacheControl.freshness(CacheControl.NONE, null, null, null, NOW, -1));
        assertThrows(IllegalArgumentException.class, () -> new Freshness(true, -1, 0, 0));
    }

    private static Freshness freshness(final String cacheControl, final String expires, final String date,
                                       final String age)
    {
        return CacheControl.freshness(CacheControl.parse(cacheControl), expires, date, age, NOW, DEFAULT_TTL);
    }

    private static Freshness fresh(final long millis)
    {
        return new Freshness(true, millis, 0, 0);
    }
}
