package dev.rawcache.server.http;

import java.util.List;

/**
 * Evaluates conditional request headers against the current representation, in the order RFC 9110 §13.2.2 gives
 * them, plus {@code If-Range} (§13.1.5).
 * <pre>
 *   1. If-Match present:              no strong match   -&gt; 412
 *   2. else If-Unmodified-Since:      modified after it -&gt; 412
 *   3. If-None-Match present:         a weak match      -&gt; 304 for GET/HEAD, 412 otherwise;
 *                                     no match          -&gt; proceed (If-Modified-Since is not looked at)
 *   4. else If-Modified-Since (GET/HEAD only): not modified after it -&gt; 304
 *   5. proceed
 * </pre>
 * <h2>Inputs</h2>
 * Header values are passed as received; null or blank means the header is absent (a blank value carries no
 * condition, as Go's {@code net/http} also reads it). {@code etag} is the representation's {@code ETag} value as
 * stored, quotes included ({@code "abc"} or {@code W/"abc"}); null, or a value that is not an entity tag, means it
 * has none. {@code lastModifiedMillis} is the representation's {@code Last-Modified} in epoch milliseconds; any
 * negative value means it has none. Dates compare at whole seconds, the resolution of HTTP dates.
 * <h2>Decisions</h2>
 * <ul>
 *     <li>A current representation is assumed to exist, so {@code If-Match: *} is true and
 *     {@code If-None-Match: *} is false (§13.1.1, §13.1.2).</li>
 *     <li>A malformed {@code If-Match} or {@code If-None-Match} list matches nothing: {@code If-Match} then fails
 *     (412) and {@code If-None-Match} passes, so garbage never earns a 304.</li>
 *     <li>{@code If-Modified-Since} and {@code If-Unmodified-Since} are ignored when they are not valid HTTP dates or
 *     the representation has no {@code Last-Modified}, as §13.1.3 and §13.1.4 require.</li>
 *     <li>The caller applies the preconditions only where RFC 9110 §13.2.1 lets them apply: to a response that
 *     would otherwise be 2xx.</li>
 * </ul>
 * <p>
 * Stateless and thread-safe.
 */
public final class Preconditions
{
    private Preconditions()
    {
    }

    /**
     * What the preconditions make of a request.
     */
    public enum Outcome
    {
        /** Every precondition holds (or none was given): serve the request as usual. */
        PROCEED,
        /** A GET or HEAD whose cached representation the client already has: answer 304 Not Modified. */
        NOT_MODIFIED,
        /** A precondition failed: answer 412 Precondition Failed. */
        PRECONDITION_FAILED
    }

    /**
     * Evaluates {@code If-None-Match} and {@code If-Modified-Since} for a GET or HEAD: the conditions that turn a
     * cache hit into a 304. Never returns {@link Outcome#PRECONDITION_FAILED}.
     *
     * @param ifNoneMatch        the {@code If-None-Match} value, or null.
     * @param ifModifiedSince    the {@code If-Modified-Since} value, or null.
     * @param etag               the representation's {@code ETag} value, or null.
     * @param lastModifiedMillis the representation's {@code Last-Modified} in epoch milliseconds, or -1.
     * @return {@link Outcome#NOT_MODIFIED} or {@link Outcome#PROCEED}.
     */
    public static Outcome evaluate(final String ifNoneMatch, final String ifModifiedSince, final String etag,
                                   final long lastModifiedMillis)
    {
        return evaluate(null, null, ifNoneMatch, ifModifiedSince, etag, lastModifiedMillis, true);
    }

    /**
     * Evaluates all four preconditions in the order of RFC 9110 §13.2.2.
     *
     * @param ifMatch            the {@code If-Match} value, or null.
     * @param ifUnmodifiedSince  the {@code If-Unmodified-Since} value, or null.
     * @param ifNoneMatch        the {@code If-None-Match} value, or null.
     * @param ifModifiedSince    the {@code If-Modified-Since} value, or null.
     * @param etag               the representation's {@code ETag} value, or null.
     * @param lastModifiedMillis the representation's {@code Last-Modified} in epoch milliseconds, or -1.
     * @param getOrHead          whether the request method is GET or HEAD.
     * @return the outcome.
     */
    public static Outcome evaluate(final String ifMatch, final String ifUnmodifiedSince, final String ifNoneMatch,
                                   final String ifModifiedSince, final String etag, final long lastModifiedMillis,
                                   final boolean getOrHead)
    {
        final EntityTag current = EntityTag.parse(etag);
        final boolean hasLastModified = lastModifiedMillis >= 0;
        final long modifiedSecond = Math.floorDiv(lastModifiedMillis, 1000L);

        if (isPresent(ifMatch))
        {
            if (!anyMatches(ifMatch, current, true))
            {
                return Outcome.PRECONDITION_FAILED;
            }
        }
        else if (isPresent(ifUnmodifiedSince) && hasLastModified)
        {
            final long since = HttpDates.parse(ifUnmodifiedSince);
            if (since != HttpDates.INVALID && modifiedSecond > Math.floorDiv(since, 1000L))
            {
                return Outcome.PRECONDITION_FAILED;
            }
        }

        if (isPresent(ifNoneMatch))
        {
            if (anyMatches(ifNoneMatch, current, false))
            {
                return getOrHead ? Outcome.NOT_MODIFIED : Outcome.PRECONDITION_FAILED;
            }
            return Outcome.PROCEED;
        }
        if (getOrHead && isPresent(ifModifiedSince) && hasLastModified)
        {
            final long since = HttpDates.parse(ifModifiedSince);
            if (since != HttpDates.INVALID && modifiedSecond <= Math.floorDiv(since, 1000L))
            {
                return Outcome.NOT_MODIFIED;
            }
        }
        return Outcome.PROCEED;
    }

    /**
     * Whether a request's {@code Range} should be honoured given its {@code If-Range} (RFC 9110 §13.1.5). When
     * false the server ignores {@code Range} and sends the whole representation with 200.
     * <ul>
     *     <li>no {@code If-Range}: true;</li>
     *     <li>an entity tag: true only when it strongly matches the current {@code ETag}, so a weak tag never
     *     does;</li>
     *     <li>an HTTP date: true only when it names the same second as the current {@code Last-Modified} (the check
     *     that the date is a strong validator, §8.8.2.2, is left out);</li>
     *     <li>anything else, including a blank value: false, since serving the whole representation is always
     *     safe.</li>
     * </ul>
     *
     * @param ifRange            the {@code If-Range} value, or null.
     * @param etag               the representation's {@code ETag} value, or null.
     * @param lastModifiedMillis the representation's {@code Last-Modified} in epoch milliseconds, or -1.
     * @return whether to honour {@code Range}.
     */
    public static boolean ifRangeAllows(final String ifRange, final String etag, final long lastModifiedMillis)
    {
        if (ifRange == null)
        {
            return true;
        }
        final String value = ifRange.strip();
        if (value.startsWith("\"") || value.startsWith("W/"))
        {
            final EntityTag tag = EntityTag.parse(value);
            return tag != null && tag.strongMatch(EntityTag.parse(etag));
        }
        final long date = HttpDates.parse(value);
        return date != HttpDates.INVALID && lastModifiedMillis >= 0 &&
            Math.floorDiv(date, 1000L) == Math.floorDiv(lastModifiedMillis, 1000L);
    }

    /**
     * Whether an {@code If-Match} ({@code strong}) or {@code If-None-Match} (weak) list matches the current tag;
     * {@code *} matches any current representation and a malformed list matches nothing.
     */
    private static boolean anyMatches(final String header, final EntityTag current, final boolean strong)
    {
        final List<EntityTag> tags = EntityTag.parseList(header);
        if (tags == null)
        {
            return false;
        }
        for (final EntityTag tag : tags)
        {
            if (tag.isAny() || (strong ? tag.strongMatch(current) : tag.weakMatch(current)))
            {
                return true;
            }
        }
        return false;
    }

    private static boolean isPresent(final String header)
    {
        return header != null && !header.isBlank();
    }
}
