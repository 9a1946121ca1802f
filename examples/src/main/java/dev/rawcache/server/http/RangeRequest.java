package dev.rawcache.server.http;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import static dev.rawcache.io.Checks.requireArgument;

/**
 * Reads a {@code Range} request header and resolves it against a representation of known length (RFC 9110 §14).
 * <p>
 * The outcome is one of three {@link Result}s: serve the whole representation with 200 ({@link Full}), serve some
 * ranges of it with 206 ({@link Partial}), or answer 416 ({@link Unsatisfiable}).
 * <h2>What is ignored</h2>
 * RFC 9110 §14.2 lets a server ignore a {@code Range} header, and requires it to ignore one whose range set is
 * syntactically invalid (§14.1.1). Everything this class does not serve as ranges becomes {@link Full} with the
 * reason, so that a server can count it:
 * <ul>
 *     <li>no header ({@link Full.Why#NO_RANGE});</li>
 *     <li>a unit other than {@code bytes} ({@link Full.Why#UNSUPPORTED_UNIT});</li>
 *     <li>any syntax error anywhere in the header, e.g. {@code bytes=5-2}, {@code bytes=}, {@code bytes=1-2-3},
 *     a sign, a space inside a range, or a number beyond {@link Long#MAX_VALUE} ({@link Full.Why#MALFORMED});</li>
 *     <li>more range specs than the server allows, counted as written, before unsatisfiable ones are dropped
 *     ({@link Full.Why#TOO_MANY_RANGES}, like nginx's {@code max_ranges});</li>
 *     <li>an empty representation ({@link Full.Why#EMPTY_REPRESENTATION}): §14.2 lets a server ignore
 *     {@code Range} "when the selected representation has no content", and §14.1.2 makes a suffix range
 *     satisfiable even then, with nothing a {@code Content-Range} could describe. A 200 with an empty body is
 *     the whole answer.</li>
 * </ul>
 * <h2>Grammar</h2>
 * The unit is case-insensitive and followed directly by {@code =}. Elements are separated by commas with optional
 * spaces or tabs around them, and empty elements are skipped (the list rule of §5.6.1, so {@code bytes=0-1,,2-3}
 * is two ranges). Each element is {@code first-last}, {@code first-} or {@code -suffix} with ASCII digits only.
 * <h2>Resolution</h2>
 * {@code first-} and a {@code last} at or past the end stop at the last byte; {@code -suffix} is the last
 * {@code suffix} bytes, or all of them when the representation is shorter. A range is unsatisfiable when its
 * {@code first} is at or past the end, or it is the suffix {@code -0}; unsatisfiable ranges are dropped when at
 * least one other is satisfiable, and the header is {@link Unsatisfiable} when none is.
 * <h2>Coalescing</h2>
 * Ranges that overlap (share at least one byte) are merged into one, which takes the place of the earliest of them
 * in request order; every other range keeps its place, so parts go out in the order the client asked for them
 * (§15.3.7.2). Adjacent ranges such as {@code 500-600,601-999} stay separate: the client asked for two parts and
 * no byte is sent twice. Merging overlaps means the parts never add up to more than the representation, which
 * disarms the overlapping-ranges amplification attack (CVE-2011-3192) without a separate size check.
 * <p>
 * Stateless and thread-safe.
 */
public final class RangeRequest
{
    private static final Full NO_RANGE = new Full(Full.Why.NO_RANGE);
    private static final Full MALFORMED = new Full(Full.Why.MALFORMED);
    private static final Full UNSUPPORTED_UNIT = new Full(Full.Why.UNSUPPORTED_UNIT);
    private static final Full TOO_MANY_RANGES = new Full(Full.Why.TOO_MANY_RANGES);
    private static final Full EMPTY_REPRESENTATION = new Full(Full.Why.EMPTY_REPRESENTATION);

    private static final String BYTES = "bytes";
    private static final long SUFFIX = -1;
    private static final long OPEN = -1;
    private static final long INVALID = -2;

    private RangeRequest()
    {
    }

    /**
     * What a server does with a request's {@code Range} header.
     */
    public sealed interface Result permits Full, Partial, Unsatisfiable
    {
    }

    /**
     * Serve the whole representation with 200, as if there were no {@code Range} header.
     *
     * @param why why the header, if any, was ignored.
     */
    public record Full(Why why) implements Result
    {
        /**
         * Checks the reason.
         *
         * @param why why the header was ignored.
         * @throws NullPointerException when {@code why} is null.
         */
        public Full
        {
            Objects.requireNonNull(why, "why");
        }

        /**
         * Why a request gets the whole representation.
         */
        public enum Why
        {
            /** The request has no {@code Range} header. */
            NO_RANGE,
            /** The header's unit is not {@code bytes}, e.g. {@code items=0-1}. */
            UNSUPPORTED_UNIT,
            /** The header does not follow the grammar; RFC 9110 requires it to be ignored. */
            MALFORMED,
            /** The header asks for more ranges than the server allows. */
            TOO_MANY_RANGES,
            /** The representation is empty, so there are no bytes to ask for. */
            EMPTY_REPRESENTATION
        }
    }

    /**
     * Serve these ranges with 206: one range as a single part with {@code Content-Range}, several as
     * {@code multipart/byteranges} (see {@link Multipart}).
     *
     * @param ranges the satisfiable ranges, resolved against the representation's length, overlapping ones merged,
     *               in request order; never empty.
     */
    public record Partial(List<ByteRange> ranges) implements Result
    {
        /**
         * Copies the ranges.
         *
         * @param ranges the ranges, at least one.
         * @throws IllegalArgumentException when {@code ranges} is empty.
         */
        public Partial
        {
            ranges = List.copyOf(ranges);
            requireArgument(!ranges.isEmpty(), "a partial response needs at least one range");
        }
    }

    /**
     * Answer 416 Range Not Satisfiable: the header is valid but none of its ranges overlaps the representation.
     *
     * @param size the length of the representation, for {@link #contentRange()}.
     */
    public record Unsatisfiable(long size) implements Result
    {
        /**
         * The {@code Content-Range} field value a 416 response carries (RFC 9110 §15.5.17).
         *
         * @return {@code bytes *}{@code /size}.
         */
        public String contentRange()
        {
            return "bytes */" + size;
        }
    }

    /**
     * Evaluates a {@code Range} header against a representation of {@code size} bytes.
     *
     * @param rangeHeader the header's value, or null when the request has none.
     * @param size        the length of the representation, 0 or more.
     * @param maxRanges   the most range specs a request may list, 1 or more; more and the header is ignored.
     * @return what to serve.
     * @throws IllegalArgumentException when {@code size} is negative or {@code maxRanges} is less than 1.
     */
    public static Result evaluate(final String rangeHeader, final long size, final int maxRanges)
    {
        requireArgument(size >= 0, "representation size %d is negative", size);
        requireArgument(maxRanges >= 1, "maxRanges %d is less than 1", maxRanges);
        if (rangeHeader == null)
        {
            return NO_RANGE;
        }
        final int start = HttpTokens.skipOwsForward(rangeHeader, 0, rangeHeader.length());
        final int end = HttpTokens.skipOwsBackward(rangeHeader, start, rangeHeader.length());
        final int equals = rangeHeader.indexOf('=', start);
        if (equals <= start || equals >= end || !HttpTokens.isToken(rangeHeader, start, equals))
        {
            return MALFORMED;
        }
        if (equals - start != BYTES.length() || !rangeHeader.regionMatches(true, start, BYTES, 0, BYTES.length()))
        {
            return UNSUPPORTED_UNIT;
        }

        // firsts[i] is the first position or SUFFIX; lasts[i] the last position, OPEN, or the suffix length.
        long[] firsts = new long[Math.min(maxRanges, 8)];
        long[] lasts = new long[firsts.length];
        int count = 0;
        int position = equals + 1;
        while (position <= end)
        {
            int comma = rangeHeader.indexOf(',', position);
            if (comma < 0 || comma > end)
            {
                comma = end;
            }
            int from = position;
            int to = comma;
            position = comma + 1;
            while (from < to && HttpTokens.isOws(rangeHeader.charAt(from)))
            {
                from++;
            }
            while (to > from && HttpTokens.isOws(rangeHeader.charAt(to - 1)))
            {
                to--;
            }
            if (from == to)
            {
                continue;
            }
            final int dash = rangeHeader.indexOf('-', from);
            if (dash < 0 || dash >= to)
            {
                return MALFORMED;
            }
            final long first;
            final long last;
            if (dash == from)
            {
                first = SUFFIX;
                last = parseDigits(rangeHeader, dash + 1, to);
                if (last == INVALID || last == OPEN)
                {
                    return MALFORMED;
                }
            }
            else
            {
                first = parseDigits(rangeHeader, from, dash);
                last = parseDigits(rangeHeader, dash + 1, to);
                if (first < 0 || last == INVALID || (last != OPEN && last < first))
                {
                    return MALFORMED;
                }
            }
            count++;
            if (count <= maxRanges)
            {
                if (count > firsts.length)
                {
                    firsts = Arrays.copyOf(firsts, (int)Math.min(maxRanges, firsts.length * 2L));
                    lasts = Arrays.copyOf(lasts, firsts.length);
                }
                firsts[count - 1] = first;
                lasts[count - 1] = last;
            }
        }
        if (count == 0)
        {
            return MALFORMED;
        }
        if (count > maxRanges)
        {
            return TOO_MANY_RANGES;
        }
        if (size == 0)
        {
            return EMPTY_REPRESENTATION;
        }
        return resolve(firsts, lasts, count, size);
    }

    private static Result resolve(final long[] firsts, final long[] lasts, final int count, final long size)
    {
        final List<ByteRange> satisfiable = new ArrayList<>(count);
        for (int i = 0; i < count; i++)
        {
            if (firsts[i] == SUFFIX)
            {
                final long suffix = lasts[i];
                if (suffix > 0)
                {
                    satisfiable.add(new ByteRange(suffix >= size ? 0 : size - suffix, size - 1));
                }
            }
            else if (firsts[i] < size)
            {
                final long last = lasts[i] == OPEN || lasts[i] >= size ? size - 1 : lasts[i];
                satisfiable.add(new ByteRange(firsts[i], last));
            }
        }
        if (satisfiable.isEmpty())
        {
            return new Unsatisfiable(size);
        }
        return new Partial(coalesce(satisfiable));
    }

    /**
     * Merges ranges that share a byte; a merged range takes the request position of its earliest member.
     */
    private static List<ByteRange> coalesce(final List<ByteRange> ranges)
    {
        final int n = ranges.size();
        if (n == 1)
        {
            return ranges;
        }
        final Integer[] byFirst = new Integer[n];
        for (int i = 0; i < n; i++)
        {
            byFirst[i] = i;
        }
        Arrays.sort(byFirst, (a, b) -> Long.compare(ranges.get(a).first(), ranges.get(b).first()));

        // Each group: {first, last, earliest request index}.
        final List<long[]> groups = new ArrayList<>(n);
        boolean merged = false;
        for (final int index : byFirst)
        {
            final ByteRange range = ranges.get(index);
            final long[] current = groups.isEmpty() ? null : groups.getLast();
            if (current != null && range.first() <= current[1])
            {
                current[1] = Math.max(current[1], range.last());
                current[2] = Math.min(current[2], index);
                merged = true;
            }
            else
            {
                groups.add(new long[] {range.first(), range.last(), index});
            }
        }
        if (!merged)
        {
            return ranges;
        }
        groups.sort((a, b) -> Long.compare(a[2], b[2]));
        final List<ByteRange> result = new ArrayList<>(groups.size());
        for (final long[] group : groups)
        {
            result.add(new ByteRange(group[0], group[1]));
        }
        return result;
    }

    /**
     * Parses ASCII digits in {@code [from, to)}: the value, {@link #OPEN} when the span is empty, {@link #INVALID}
     * for anything but digits or a value beyond {@link Long#MAX_VALUE}.
     */
    private static long parseDigits(final String text, final int from, final int to)
    {
        if (from == to)
        {
            return OPEN;
        }
        long value = 0;
        for (int i = from; i < to; i++)
        {
            final int digit = text.charAt(i) - '0';
            if (digit < 0 || digit > 9 || value > (Long.MAX_VALUE - digit) / 10)
            {
                return INVALID;
            }
            value = value * 10 + digit;
        }
        return value;
    }
}
