package dev.rawcache.server.http;

import java.util.Locale;

import static dev.rawcache.io.Checks.requireArgument;

/**
 * A response's {@code Cache-Control} directives as a shared cache reads them (RFC 9111 §5.2.2, RFC 5861), and the
 * freshness they give a response together with {@code Expires}, {@code Date} and {@code Age} (RFC 9111 §4.2).
 * <h2>Parsing</h2>
 * The value is a comma-separated list (several header lines joined with commas read the same) of
 * {@code name[=value]} directives, the value a token or a quoted string, whose commas do not split the list.
 * <ul>
 *     <li>Names are case-insensitive; unknown directives are ignored, and so is an element that does not start
 *     with a name.</li>
 *     <li>Numbers are delta-seconds, ASCII digits only. Anything else ({@code max-age=abc}, {@code max-age=-1},
 *     a missing value) leaves the directive absent (-1). Values beyond 2<sup>31</sup> read as 2<sup>31</sup>, as
 *     RFC 9111 §1.2.2 requires. {@code max-age="60"} is read like {@code max-age=60}.</li>
 *     <li>A repeated numeric directive: the first valid occurrence wins, the choice RFC 9111 §4.2.1 offers.
 *     Flags cannot conflict, and a flag with a value still counts.</li>
 *     <li>{@code private="Set-Cookie"} and {@code no-cache="Set-Cookie"} (the qualified forms) are read as plain
 *     {@code private} and {@code no-cache}: rather than store a response without some of its fields, the cache
 *     does not store it (private) or revalidates it every time (no-cache). Conservative, and always allowed.</li>
 * </ul>
 * <h2>Freshness</h2>
 * See {@link #freshness}. The lifetime is taken from {@code s-maxage}, else {@code max-age}, else
 * {@code Expires - Date}, else a heuristic default; the response's age is its {@code Age} header only. The apparent
 * age {@code now - Date} of RFC 9111 §4.2.3 is left out: a cache sitting next to its origin sees no transit delay,
 * and origin clocks that run behind would otherwise shorten every lifetime.
 * <p>
 * Immutable and thread-safe.
 *
 * @param noStore                     {@code no-store}: do not store the response.
 * @param isPrivate                   {@code private}: only a private cache may store the response.
 * @param noCache                     {@code no-cache}: store, but revalidate before every reuse.
 * @param publicDirective             {@code public}: a shared cache may store the response even where it otherwise
 *                                    could not.
 * @param mustRevalidate              {@code must-revalidate}: once stale, never serve without revalidating.
 * @param proxyRevalidate             {@code proxy-revalidate}: {@code must-revalidate} for shared caches.
 * @param maxAgeSeconds               {@code max-age}, or -1.
 * @param sMaxAgeSeconds              {@code s-maxage}, the shared caches' {@code max-age}, or -1.
 * @param staleWhileRevalidateSeconds {@code stale-while-revalidate}, or -1.
 * @param staleIfErrorSeconds         {@code stale-if-error}, or -1.
 */
public record CacheControl(boolean noStore, boolean isPrivate, boolean noCache, boolean publicDirective,
                           boolean mustRevalidate, boolean proxyRevalidate, long maxAgeSeconds, long sMaxAgeSeconds,
                           long staleWhileRevalidateSeconds, long staleIfErrorSeconds)
{
    /** No directives at all: what an absent header reads as. */
    public static final CacheControl NONE = new CacheControl(false, false, false, false, false, false, -1, -1, -1, -1);

    /** The value that delta-seconds beyond it read as (RFC 9111 §1.2.2). */
    public static final long MAX_DELTA_SECONDS = 1L << 31;

    private static final long ABSENT = -1;

    /**
     * Checks the numbers.
     *
     * @param noStore                     {@code no-store}.
     * @param isPrivate                   {@code private}.
     * @param noCache                     {@code no-cache}.
     * @param publicDirective             {@code public}.
     * @param mustRevalidate              {@code must-revalidate}.
     * @param proxyRevalidate             {@code proxy-revalidate}.
     * @param maxAgeSeconds               {@code max-age}, or -1.
     * @param sMaxAgeSeconds              {@code s-maxage}, or -1.
     * @param staleWhileRevalidateSeconds {@code stale-while-revalidate}, or -1.
     * @param staleIfErrorSeconds         {@code stale-if-error}, or -1.
     * @throws IllegalArgumentException when a number is below -1 or above {@link #MAX_DELTA_SECONDS}.
     */
    public CacheControl
    {
        checkSeconds("max-age", maxAgeSeconds);
        checkSeconds("s-maxage", sMaxAgeSeconds);
        checkSeconds("stale-while-revalidate", staleWhileRevalidateSeconds);
        checkSeconds("stale-if-error", staleIfErrorSeconds);
    }

    /**
     * How long a cache may serve a response, worked out from its headers at the time it was received.
     *
     * @param storable                   whether a shared cache may store it at all.
     * @param freshForMillis             how long from now it is fresh, 0 or more; 0 means every reuse needs
     *                                   revalidation.
     * @param staleWhileRevalidateMillis how long after {@code freshForMillis} it may still be served while it is
     *                                   revalidated in the background, 0 or more.
     * @param staleIfErrorMillis         how long after {@code freshForMillis} it may still be served when the
     *                                   origin fails, 0 or more.
     */
    public record Freshness(boolean storable, long freshForMillis, long staleWhileRevalidateMillis,
                            long staleIfErrorMillis)
    {
        /** A response a shared cache must not store. */
        public static final Freshness NOT_STORABLE = new Freshness(false, 0, 0, 0);

        /**
         * Checks the durations.
         *
         * @param storable                   whether it may be stored.
         * @param freshForMillis             how long it is fresh.
         * @param staleWhileRevalidateMillis the stale-while-revalidate window.
         * @param staleIfErrorMillis         the stale-if-error window.
         * @throws IllegalArgumentException when a duration is negative.
         */
        public Freshness
        {
            requireArgument(freshForMillis >= 0 && staleWhileRevalidateMillis >= 0 && staleIfErrorMillis >= 0,
                "durations must not be negative: fresh for %d ms, stale-while-revalidate %d ms, stale-if-error %d ms",
                freshForMillis, staleWhileRevalidateMillis, staleIfErrorMillis);
        }
    }

    /**
     * Reads a {@code Cache-Control} value.
     *
     * @param cacheControl the value, may be null (no header) or several header lines joined with commas.
     * @return the directives; {@link #NONE} for null or blank.
     */
    public static CacheControl parse(final String cacheControl)
    {
        return parse(cacheControl, null);
    }

    /**
     * Reads a {@code Cache-Control} value, falling back on {@code Pragma: no-cache} when there is no
     * {@code Cache-Control} at all: HTTP/1.0 origins mean "do not reuse without revalidating" by it, and treating it
     * as {@code no-cache} is the conservative reading (RFC 9111 §5.4 ignores {@code Pragma} once
     * {@code Cache-Control} is present).
     *
     * @param cacheControl the {@code Cache-Control} value, may be null.
     * @param pragma       the {@code Pragma} value, may be null.
     * @return the directives.
     */
    public static CacheControl parse(final String cacheControl, final String pragma)
    {
        final Directives directives = new Directives();
        if (cacheControl != null && !cacheControl.isBlank())
        {
            scan(cacheControl, directives);
        }
        else if (pragma != null && !pragma.isBlank())
        {
            final Directives fromPragma = new Directives();
            scan(pragma, fromPragma);
            directives.noCache = fromPragma.noCache;
        }
        return directives.toCacheControl();
    }

    /**
     * Works out whether and for how long a shared cache may serve a response (RFC 9111 §3, §4.2; RFC 5861).
     * <ul>
     *     <li>{@code no-store} or {@code private}: {@link Freshness#NOT_STORABLE}.</li>
     *     <li>Lifetime: {@code s-maxage}, else {@code max-age}, else {@code Expires} minus {@code Date} (minus now
     *     when {@code Date} is absent or invalid; an invalid {@code Expires} such as {@code 0} means already
     *     expired), else {@code defaultTtlMillis}.</li>
     *     <li>Fresh for: the lifetime minus {@code Age}, at least 0; always 0 with {@code no-cache}.</li>
     *     <li>Stale windows: {@code stale-while-revalidate} and {@code stale-if-error}, less whatever part of them
     *     {@code Age} already used up; 0 with {@code no-cache}, {@code must-revalidate} or
     *     {@code proxy-revalidate}, which forbid serving stale. An explicit window is honoured alongside
     *     {@code s-maxage}, as CDNs do, although RFC 9111 gives {@code s-maxage} the meaning of
     *     {@code proxy-revalidate}.</li>
     * </ul>
     * Whether the status code and method allow storing at all is the caller's business.
     *
     * @param cc               the response's directives.
     * @param expires          the {@code Expires} value, or null.
     * @param date             the {@code Date} value, or null.
     * @param age              the {@code Age} value, or null; anything but delta-seconds counts as 0.
     * @param nowMillis        the time the response was received, epoch milliseconds.
     * @param defaultTtlMillis the lifetime of a response that gives none, 0 or more.
     * @return the freshness.
     * @throws IllegalArgumentException when {@code defaultTtlMillis} is negative.
     */
    public static Freshness freshness(final CacheControl cc, final String expires, final String date,
                                      final String age, final long nowMillis, final long defaultTtlMillis)
    {
        requireArgument(defaultTtlMillis >= 0, "default TTL %d ms is negative", defaultTtlMillis);
        if (cc.noStore || cc.isPrivate)
        {
            return Freshness.NOT_STORABLE;
        }
        final long lifetimeMillis;
        if (cc.sMaxAgeSeconds >= 0)
        {
            lifetimeMillis = cc.sMaxAgeSeconds * 1000L;
        }
        else if (cc.maxAgeSeconds >= 0)
        {
            lifetimeMillis = cc.maxAgeSeconds * 1000L;
        }
        else if (expires != null)
        {
            final long expiresMillis = HttpDates.parse(expires, nowMillis);
            final long dateMillis = HttpDates.parse(date, nowMillis);
            final long base = dateMillis == HttpDates.INVALID ? nowMillis : dateMillis;
            lifetimeMillis = expiresMillis == HttpDates.INVALID ? 0 : Math.max(0, expiresMillis - base);
        }
        else
        {
            lifetimeMillis = defaultTtlMillis;
        }
        final String ageValue = age == null ? "" : age.strip();
        final long ageSeconds = deltaSeconds(ageValue, 0, ageValue.length());
        final long ageMillis = Math.max(0, ageSeconds) * 1000L;
        final long freshFor = cc.noCache ? 0 : Math.max(0, lifetimeMillis - ageMillis);
        final long staleFor = Math.max(0, ageMillis - lifetimeMillis);
        final boolean mayServeStale = !cc.noCache && !cc.mustRevalidate && !cc.proxyRevalidate;
        return new Freshness(true, freshFor,
            mayServeStale ? window(cc.staleWhileRevalidateSeconds, staleFor) : 0,
            mayServeStale ? window(cc.staleIfErrorSeconds, staleFor) : 0);
    }

    private static long window(final long seconds, final long usedMillis)
    {
        return seconds < 0 ? 0 : Math.max(0, seconds * 1000L - usedMillis);
    }

    /**
     * Walks the list, handing each directive's lower-case name and raw value (null when it has none or it is
     * malformed) to {@code directives}.
     */
    private static void scan(final String text, final Directives directives)
    {
        final int end = text.length();
        int position = 0;
        while (position < end)
        {
            final char c = text.charAt(position);
            if (c == ',' || HttpTokens.isOws(c))
            {
                position++;
                continue;
            }
            final int nameStart = position;
            while (position < end && HttpTokens.isTchar(text.charAt(position)))
            {
                position++;
            }
            final String name = text.substring(nameStart, position).toLowerCase(Locale.ROOT);
            position = skipOws(text, position, end);
            String value = null;
            boolean wellFormed = !name.isEmpty();
            if (position < end && text.charAt(position) == '=')
            {
                position = skipOws(text, position + 1, end);
                if (position < end && text.charAt(position) == '"')
                {
                    final StringBuilder quoted = new StringBuilder();
                    position++;
                    boolean closed = false;
                    while (position < end)
                    {
                        char q = text.charAt(position++);
                        if (q == '"')
                        {
                            closed = true;
                            break;
                        }
                        if (q == '\\' && position < end)
                        {
                            q = text.charAt(position++);
                        }
                        quoted.append(q);
                    }
                    value = closed ? quoted.toString() : null;
                    wellFormed &= closed;
                }
                else
                {
                    final int valueStart = position;
                    while (position < end && HttpTokens.isTchar(text.charAt(position)))
                    {
                        position++;
                    }
                    value = valueStart < position ? text.substring(valueStart, position) : null;
                    wellFormed &= value != null;
                }
            }
            position = skipOws(text, position, end);
            if (position < end && text.charAt(position) != ',')
            {
                // Junk after the directive: the element is malformed. Skip to the next comma outside quotes.
                wellFormed = false;
                position = nextElement(text, position, end);
            }
            if (!name.isEmpty())
            {
                directives.accept(name, wellFormed ? value : null);
            }
        }
    }

    private static int nextElement(final String text, final int from, final int end)
    {
        boolean quoted = false;
        for (int i = from; i < end; i++)
        {
            final char c = text.charAt(i);
            if (quoted && c == '\\')
            {
                i++;
            }
            else if (c == '"')
            {
                quoted = !quoted;
            }
            else if (c == ',' && !quoted)
            {
                return i;
            }
        }
        return end;
    }

    private static int skipOws(final String text, final int from, final int end)
    {
        int i = from;
        while (i < end && HttpTokens.isOws(text.charAt(i)))
        {
            i++;
        }
        return i;
    }

    /**
     * Reads delta-seconds in {@code text[from, to)}: the value, capped at {@link #MAX_DELTA_SECONDS}, or
     * {@link #ABSENT} when it is not one or more ASCII digits.
     */
    private static long deltaSeconds(final String text, final int from, final int to)
    {
        if (from >= to)
        {
            return ABSENT;
        }
        long value = 0;
        for (int i = from; i < to; i++)
        {
            final int digit = text.charAt(i) - '0';
            if (digit < 0 || digit > 9)
            {
                return ABSENT;
            }
            value = Math.min(MAX_DELTA_SECONDS, value * 10 + digit);
        }
        return value;
    }

    private static void checkSeconds(final String name, final long seconds)
    {
        requireArgument(seconds >= -1 && seconds <= MAX_DELTA_SECONDS, "%s of %d s is not -1 or within 0 to %d",
            name, seconds, MAX_DELTA_SECONDS);
    }

    /**
     * The directives seen so far while parsing.
     */
    private static final class Directives
    {
        private boolean noStore;
        private boolean isPrivate;
        private boolean noCache;
        private boolean publicDirective;
        private boolean mustRevalidate;
        private boolean proxyRevalidate;
        private long maxAge = ABSENT;
        private long sMaxAge = ABSENT;
        private long staleWhileRevalidate = ABSENT;
        private long staleIfError = ABSENT;

        void accept(final String name, final String value)
        {
            switch (name)
            {
                case "no-store" -> noStore = true;
                case "private" -> isPrivate = true;
                case "no-cache" -> noCache = true;
                case "public" -> publicDirective = true;
                case "must-revalidate" -> mustRevalidate = true;
                case "proxy-revalidate" -> proxyRevalidate = true;
                case "max-age" -> maxAge = firstValid(maxAge, value);
                case "s-maxage" -> sMaxAge = firstValid(sMaxAge, value);
                case "stale-while-revalidate" -> staleWhileRevalidate = firstValid(staleWhileRevalidate, value);
                case "stale-if-error" -> staleIfError = firstValid(staleIfError, value);
                default ->
                {
                    // Unknown directives are ignored (RFC 9111 §5.2.3).
                }
            }
        }

        CacheControl toCacheControl()
        {
            return new CacheControl(noStore, isPrivate, noCache, publicDirective, mustRevalidate, proxyRevalidate,
                maxAge, sMaxAge, staleWhileRevalidate, staleIfError);
        }

        private static long firstValid(final long seen, final String value)
        {
            return seen != ABSENT || value == null ? seen : deltaSeconds(value, 0, value.length());
        }
    }
}
