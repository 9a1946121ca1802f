package dev.rawcache.server.http;

import java.time.LocalDate;
import java.time.Month;
import java.time.Year;

import static dev.rawcache.io.Checks.requireArgument;

/**
 * HTTP dates (RFC 9110 §5.6.7), written in the preferred IMF-fixdate form and read in all three forms a recipient
 * must accept:
 * <pre>
 *   IMF-fixdate  Sun, 06 Nov 1994 08:49:37 GMT
 *   RFC 850      Sunday, 06-Nov-94 08:49:37 GMT
 *   asctime      Sun Nov  6 08:49:37 1994
 * </pre>
 * Reading follows the grammar's layout exactly (fixed widths, single spaces, {@code GMT}) and is lenient in two
 * ways, as §5.6.7 encourages: names of days and months are case-insensitive, and the day name is checked to be a
 * day name but not to be the right one for the date. A second of {@code 60} (a leap second) reads as {@code 59}.
 * An RFC 850 two-digit year is taken in the current century unless that puts it more than 50 years in the future,
 * when it is the same year of the previous century, as §5.6.7 requires ({@code 94} read in 2026 is 1994, {@code 76}
 * is 2076).
 * <p>
 * Dates are whole seconds, so no date reads as {@link #INVALID} ({@code -1}); a date before 1970 reads as another
 * negative number.
 * <p>
 * Stateless and thread-safe.
 */
public final class HttpDates
{
    /** What {@link #parse} returns for text that is not an HTTP date. */
    public static final long INVALID = -1;

    /** The earliest instant IMF-fixdate can write: 0000-01-01T00:00:00Z. */
    public static final long MIN_MILLIS = LocalDate.of(0, 1, 1).toEpochDay() * 86_400_000L;

    /** The latest instant IMF-fixdate can write: 9999-12-31T23:59:59.999Z. */
    public static final long MAX_MILLIS = (LocalDate.of(9999, 12, 31).toEpochDay() + 1) * 86_400_000L - 1;

    private static final String[] DAYS = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    private static final String[] LONG_DAYS = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
        "Sunday"};
    private static final String[] MONTHS = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
        "Nov", "Dec"};

    private static final int IMF_FIXDATE_LENGTH = 29;
    private static final int ASCTIME_LENGTH = 24;
    private static final int RFC_850_AFTER_COMMA = 24;

    private HttpDates()
    {
    }

    /**
     * Writes an instant as an IMF-fixdate, in English and GMT, e.g. {@code Sun, 06 Nov 1994 08:49:37 GMT}.
     * Milliseconds are dropped (rounded down).
     *
     * @param epochMillis the instant, milliseconds since 1970-01-01T00:00:00Z, within
     *                    [{@link #MIN_MILLIS}, {@link #MAX_MILLIS}].
     * @return the date.
     * @throws IllegalArgumentException when the year would not be four digits.
     */
    public static String format(final long epochMillis)
    {
        requireArgument(epochMillis >= MIN_MILLIS && epochMillis <= MAX_MILLIS,
            "instant %d ms is outside the years 0000 to 9999 an HTTP date can write", epochMillis);
        final long seconds = Math.floorDiv(epochMillis, 1000L);
        final LocalDate date = LocalDate.ofEpochDay(Math.floorDiv(seconds, 86_400L));
        final int secondOfDay = (int)Math.floorMod(seconds, 86_400L);
        final char[] out = new char[IMF_FIXDATE_LENGTH];
        DAYS[date.getDayOfWeek().ordinal()].getChars(0, 3, out, 0);
        out[3] = ',';
        out[4] = ' ';
        putDigits(out, 5, date.getDayOfMonth(), 2);
        out[7] = ' ';
        MONTHS[date.getMonthValue() - 1].getChars(0, 3, out, 8);
        out[11] = ' ';
        putDigits(out, 12, date.getYear(), 4);
        out[16] = ' ';
        putDigits(out, 17, secondOfDay / 3600, 2);
        out[19] = ':';
        putDigits(out, 20, secondOfDay / 60 % 60, 2);
        out[22] = ':';
        putDigits(out, 23, secondOfDay % 60, 2);
        out[25] = ' ';
        "GMT".getChars(0, 3, out, 26);
        return new String(out);
    }

    /**
     * Reads an HTTP date in any of the three forms, taking an RFC 850 two-digit year relative to the current time.
     *
     * @param text the text, may be null; spaces and tabs around it are ignored.
     * @return the instant in milliseconds since 1970-01-01T00:00:00Z, or {@link #INVALID} when the text is not
     *         an HTTP date.
     */
    public static long parse(final String text)
    {
        return parse(text, System.currentTimeMillis());
    }

    /**
     * Reads an HTTP date in any of the three forms, taking an RFC 850 two-digit year relative to {@code nowMillis}.
     *
     * @param text      the text, may be null; spaces and tabs around it are ignored.
     * @param nowMillis the current time, which places two-digit years.
     * @return the instant in milliseconds since 1970-01-01T00:00:00Z, or {@link #INVALID} when the text is not
     *         an HTTP date.
     */
    public static long parse(final String text, final long nowMillis)
    {
        if (text == null)
        {
            return INVALID;
        }
        final int from = HttpTokens.skipOwsForward(text, 0, text.length());
        final int to = HttpTokens.skipOwsBackward(text, from, text.length());
        final int length = to - from;
        if (length == IMF_FIXDATE_LENGTH && text.charAt(from + 3) == ',')
        {
            return parseImfFixdate(text, from);
        }
        if (length == ASCTIME_LENGTH && text.charAt(from + 3) == ' ')
        {
            return parseAsctime(text, from);
        }
        final int comma = text.indexOf(',', from);
        if (comma > from && comma < to && to - comma == RFC_850_AFTER_COMMA)
        {
            return parseRfc850(text, from, comma, nowMillis);
        }
        return INVALID;
    }

    /** {@code Sun, 06 Nov 1994 08:49:37 GMT}. */
    private static long parseImfFixdate(final String s, final int at)
    {
        if (find(DAYS, s, at, 3) < 0 || s.charAt(at + 4) != ' ' || s.charAt(at + 7) != ' ' ||
            s.charAt(at + 11) != ' ' || s.charAt(at + 16) != ' ' || s.charAt(at + 25) != ' ' ||
            !s.regionMatches(true, at + 26, "GMT", 0, 3))
        {
            return INVALID;
        }
        return toMillis(digits(s, at + 12, 4), find(MONTHS, s, at + 8, 3) + 1, digits(s, at + 5, 2), s, at + 17);
    }

    /** {@code Sunday, 06-Nov-94 08:49:37 GMT}. */
    private static long parseRfc850(final String s, final int at, final int comma, final long nowMillis)
    {
        if (find(LONG_DAYS, s, at, comma - at) < 0 || s.charAt(comma + 1) != ' ' || s.charAt(comma + 4) != '-' ||
            s.charAt(comma + 8) != '-' || s.charAt(comma + 11) != ' ' || s.charAt(comma + 20) != ' ' ||
            !s.regionMatches(true, comma + 21, "GMT", 0, 3))
        {
            return INVALID;
        }
        final int twoDigitYear = digits(s, comma + 9, 2);
        if (twoDigitYear < 0)
        {
            return INVALID;
        }
        final int nowYear = LocalDate.ofEpochDay(Math.floorDiv(nowMillis, 86_400_000L)).getYear();
        int year = nowYear - Math.floorMod(nowYear, 100) + twoDigitYear;
        if (year > nowYear + 50)
        {
            year -= 100;
        }
        return toMillis(year, find(MONTHS, s, comma + 5, 3) + 1, digits(s, comma + 2, 2), s, comma + 12);
    }

    /** {@code Sun Nov  6 08:49:37 1994}. */
    private static long parseAsctime(final String s, final int at)
    {
        if (find(DAYS, s, at, 3) < 0 || s.charAt(at + 7) != ' ' || s.charAt(at + 10) != ' ' ||
            s.charAt(at + 19) != ' ')
        {
            return INVALID;
        }
        final int day = s.charAt(at + 8) == ' ' ? digits(s, at + 9, 1) : digits(s, at + 8, 2);
        return toMillis(digits(s, at + 20, 4), find(MONTHS, s, at + 4, 3) + 1, day, s, at + 11);
    }

    /**
     * The instant of a date and the {@code HH:MM:SS} at {@code timeAt}, or {@link #INVALID} when any part is out
     * of range (a negative part means it did not parse).
     */
    private static long toMillis(final int year, final int month, final int day, final String s, final int timeAt)
    {
        if (year < 0 || month < 1 || day < 1 || s.charAt(timeAt + 2) != ':' || s.charAt(timeAt + 5) != ':')
        {
            return INVALID;
        }
        final int hour = digits(s, timeAt, 2);
        final int minute = digits(s, timeAt + 3, 2);
        final int second = digits(s, timeAt + 6, 2);
        if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60 ||
            day > Month.of(month).length(Year.isLeap(year)))
        {
            return INVALID;
        }
        final long epochDay = LocalDate.of(year, month, day).toEpochDay();
        final long epochSecond = epochDay * 86_400L + hour * 3600L + minute * 60L + Math.min(second, 59);
        return epochSecond * 1000L;
    }

    /** The index of the name that {@code s[at, at + length)} spells, ignoring case, or -1. */
    private static int find(final String[] names, final String s, final int at, final int length)
    {
        for (int i = 0; i < names.length; i++)
        {
            if (names[i].length() == length && s.regionMatches(true, at, names[i], 0, length))
            {
                return i;
            }
        }
        return -1;
    }

    /** The value of {@code count} ASCII digits at {@code at}, or -1. */
    private static int digits(final String s, final int at, final int count)
    {
        int value = 0;
        for (int i = at; i < at + count; i++)
        {
            final int digit = s.charAt(i) - '0';
            if (digit < 0 || digit > 9)
            {
                return -1;
            }
            value = value * 10 + digit;
        }
        return value;
    }

    private static void putDigits(final char[] out, final int at, final int value, final int count)
    {
        int rest = value;
        for (int i = at + count - 1; i >= at; i--)
        {
            out[i] = (char)('0' + rest % 10);
            rest /= 10;
        }
    }
}
