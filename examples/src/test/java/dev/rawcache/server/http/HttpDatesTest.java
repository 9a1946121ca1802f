package dev.rawcache.server.http;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class HttpDatesTest
{
    private static final long RFC_EXAMPLE = Instant.parse("1994-11-06T08:49:37Z").toEpochMilli();
    private static final long NOW = Instant.parse("2026-03-01T00:00:00Z").toEpochMilli();

    @Test
    void shouldFormatTheExampleOfRfc9110()
    {
        assertEquals(784_111_777_000L, RFC_EXAMPLE);
        assertEquals("Sun, 06 Nov 1994 08:49:37 GMT", HttpDates.format(RFC_EXAMPLE));
    }

    @Test
    void shouldDropMillisecondsWhenFormatting()
    {
        assertEquals("Sun, 06 Nov 1994 08:49:37 GMT", HttpDates.format(RFC_EXAMPLE + 999));
        assertEquals("Thu, 01 Jan 1970 00:00:00 GMT", HttpDates.format(0));
        assertEquals("Wed, 31 Dec 1969 23:59:59 GMT", HttpDates.format(-1));
        assertEquals("Wed, 31 Dec 1969 23:59:59 GMT", HttpDates.format(-1000));
    }

    @Test
    void shouldFormatTheFourDigitYearsOnly()
    {
        assertEquals("Sat, 01 Jan 0000 00:00:00 GMT", HttpDates.format(HttpDates.MIN_MILLIS));
        assertEquals("Fri, 31 Dec 9999 23:59:59 GMT", HttpDates.format(HttpDates.MAX_MILLIS));
        assertThrows(IllegalArgumentException.class, () -> HttpDates.format(HttpDates.MIN_MILLIS - 1));
        assertThrows(IllegalArgumentException.class, () -> HttpDates.format(HttpDates.MAX_MILLIS + 1));
        assertThrows(IllegalArgumentException.class, () -> HttpDates.format(Long.MAX_VALUE));
    }

    @Test
    void shouldFormatLikeTheJdkInEnglishWhateverTheDefaultLocale()
    {
        final Locale before = Locale.getDefault();
        Locale.setDefault(Locale.GERMANY);
        try
        {
            final DateTimeFormatter jdk = DateTimeFormatter.ofPattern("EEE, dd MMM uuuu HH:mm:ss 'GMT'", Locale.US)
                .withZone(ZoneOffset.UTC);
            final SplittableRandom random = new SplittableRandom(42);
            for (int i = 0; i < 10_000; i++)
            {
                final long millis = random.nextLong(HttpDates.MIN_MILLIS, HttpDates.MAX_MILLIS + 1);
                assertEquals(jdk.format(Instant.ofEpochMilli(millis)), HttpDates.format(millis));
            }
        }
        finally
        {
            Locale.setDefault(before);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "Sunday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994",
        "Sun Nov 06 08:49:37 1994",
        " Sun, 06 Nov 1994 08:49:37 GMT\t",
        "sun, 06 nov 1994 08:49:37 gmt",
        "SUNDAY, 06-NOV-94 08:49:37 GMT",
    })
    void shouldParseAllThreeFormatsOfRfc9110(final String text)
    {
        assertEquals(RFC_EXAMPLE, HttpDates.parse(text, NOW));
    }

    @Test
    void shouldParseTwoDigitDaysInAsctime()
    {
        assertEquals(Instant.parse("1994-11-16T08:49:37Z").toEpochMilli(), HttpDates.parse("Wed Nov 16 08:49:37 1994"));
    }

    @Test
    void shouldParseWithTheCurrentClock()
    {
        assertEquals(RFC_EXAMPLE, HttpDates.parse("Sun, 06 Nov 1994 08:49:37 GMT"));
        assertEquals(RFC_EXAMPLE, HttpDates.parse("Sunday, 06-Nov-94 08:49:37 GMT"));
    }

    @ParameterizedTest
    @CsvSource({
        "2026-03-01T00:00:00Z, 94, 1994",
        "2026-03-01T00:00:00Z, 76, 2076",
        "2026-03-01T00:00:00Z, 77, 1977",
        "2026-03-01T00:00:00Z, 00, 2000",
        "2026-03-01T00:00:00Z, 26, 2026",
        "2099-06-01T00:00:00Z, 05, 2005",
        "2099-06-01T00:00:00Z, 49, 2049",
        "2049-06-01T00:00:00Z, 99, 2099",
        "2050-06-01T00:00:00Z, 01, 2001",
        "1970-01-01T00:00:00Z, 99, 1999",
        "1970-01-01T00:00:00Z, 20, 1920",
    })
    void shouldTakeATwoDigitYearFromThisCenturyUnlessMoreThan50YearsAhead(final String now, final String twoDigits,
                                                                         final int year)
    {
        final long expected = Instant.parse(year + "-01-02T03:04:05Z").toEpochMilli();
        final String text = "Monday, 02-Jan-" + twoDigits + " 03:04:05 GMT";
        assertEquals(expected, HttpDates.parse(text, Instant.parse(now).toEpochMilli()));
    }

    @Test
    void shouldNotCheckTheDayNameAgainstTheDate()
    {
        assertEquals(RFC_EXAMPLE, HttpDates.parse("Mon, 06 Nov 1994 08:49:37 GMT", NOW));
        assertEquals(RFC_EXAMPLE, HttpDates.parse("Friday, 06-Nov-94 08:49:37 GMT", NOW));
    }

    @Test
    void shouldReadALeapSecondAsTheSecondBefore()
    {
        assertEquals(Instant.parse("2016-12-31T23:59:59Z").toEpochMilli(),
            HttpDates.parse("Sat, 31 Dec 2016 23:59:60 GMT"));
    }

    @Test
    void shouldParseLeapDaysOnlyInLeapYears()
    {
        assertEquals(Instant.parse("2000-02-29T00:00:00Z").toEpochMilli(),
            HttpDates.parse("Tue, 29 Feb 2000 00:00:00 GMT"));
        assertEquals(HttpDates.INVALID, HttpDates.parse("Thu, 29 Feb 1900 00:00:00 GMT"));
        assertEquals(HttpDates.INVALID, HttpDates.parse("Sat, 29 Feb 2025 00:00:00 GMT"));
    }

    @Test
    void shouldParseDatesBefore1970AsNegative()
    {
        assertEquals(-1000, HttpDates.parse("Wed, 31 Dec 1969 23:59:59 GMT"));
        assertEquals(0, HttpDates.parse("Thu, 01 Jan 1970 00:00:00 GMT"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", " ", "0", "-1", "now", "2024-01-01T00:00:00Z",
        "Sun, 06 Nov 1994 08:49:37 UTC",
        "Sun, 06 Nov 1994 08:49:37 +0000",
        "Sun, 6 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 94 08:49:37 GMT",
        "Sun,  06 Nov 1994 08:49:37 GMT",
        "Sun, 06  Nov 1994 08:49:37 GMT",
        "Sun 06 Nov 1994 08:49:37 GMT",
        "Sun, 06-Nov-1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 GMT; length=1234",
        "Sun, 06 Nov 1994 08:49 GMT",
        "Sun, 06 Nov 1994 8:49:37 GMT",
        "Sun, 31 Feb 1994 08:49:37 GMT",
        "Sun, 00 Nov 1994 08:49:37 GMT",
        "Sun, 32 Nov 1994 08:49:37 GMT",
        "Sun, 06 Foo 1994 08:49:37 GMT",
        "Xyz, 06 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 1994 08:60:00 GMT",
        "Sun, 06 Nov 1994 08:49:61 GMT",
        "Sun, 0a Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 199x 08:49:37 GMT",
        "Sun, 06 Nov 1994 08-49-37 GMT",
        "Sun, 06 Nov 1994 08:49:37 GMTX",
        "Sun, 06 Nov -994 08:49:37 GMT",
        "Sun, \u0660\u0666 Nov 1994 08:49:37 GMT",
        "Sunday, 06-Nov-1994 08:49:37 GMT",
        "Sunday, 06 Nov 94 08:49:37 GMT",
        "Sunday, 06-Nov-94 08:49:37 UTC",
        "Sunday,06-Nov-94 08:49:37 GMT ",
        "Sun, 06-Nov-94 08:49:37 GMT",
        "Funday, 06-Nov-94 08:49:37 GMT",
        ", 06-Nov-94 08:49:37 GMT",
        "Sunday, 06-Nov-9x 08:49:37 GMT",
        "Sun Nov 6 08:49:37 1994",
        "Sun Nov  6 08:49:37 94",
        "Sun Nov  6 08:49:37 1994 GMT",
        "Sun Nov x6 08:49:37 1994",
        "Sun, Nov  6 08:49:37 1994",
        "Sun Nov  6 08:49:37  994",
    })
    void shouldReturnInvalidForWhatIsNotAnHttpDate(final String text)
    {
        assertEquals(HttpDates.INVALID, HttpDates.parse(text, NOW), text);
    }

    @Test
    void shouldReturnInvalidForNoText()
    {
        assertEquals(HttpDates.INVALID, HttpDates.parse(null));
    }

    @Test
    void shouldReadBackWhatItWritesToTheSecond()
    {
        final SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 10_000; i++)
        {
            final long millis = random.nextLong(HttpDates.MIN_MILLIS, HttpDates.MAX_MILLIS + 1);
            assertEquals(Math.floorDiv(millis, 1000) * 1000, HttpDates.parse(HttpDates.format(millis)));
        }
    }
}
