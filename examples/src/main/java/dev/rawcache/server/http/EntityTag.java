package dev.rawcache.server.http;

import java.util.ArrayList;
import java.util.List;

import static dev.rawcache.io.Checks.requireArgument;

/**
 * An entity tag, the {@code ETag} validator of a representation (RFC 9110 §8.8.3):
 * <pre>
 *   entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE
 *   etagc      = %x21 / %x23-7E / %x80-FF      ; visible characters but DQUOTE, and obs-text
 * </pre>
 * The opaque part is kept without its quotes. It cannot hold a quote, so it needs no escaping, but it can hold a
 * comma, which is why lists are read with {@link #parseList(String)} rather than split on commas.
 * <p>
 * {@link #ANY} stands for {@code *} in {@code If-Match} and {@code If-None-Match}; it is the only tag whose
 * {@link #opaque()} is null, it never equals a parsed tag (not even {@code "*"}), and it matches nothing through
 * {@link #strongMatch} or {@link #weakMatch}: what {@code *} means is up to the header that holds it (see
 * {@link Preconditions}).
 * <p>
 * Immutable and thread-safe.
 *
 * @param weak   whether the tag is weak ({@code W/} prefix).
 * @param opaque the characters between the quotes, or null for {@link #ANY}.
 */
public record EntityTag(boolean weak, String opaque)
{
    /** The {@code *} of {@code If-Match} and {@code If-None-Match}: any current representation. */
    public static final EntityTag ANY = new EntityTag(false, null);

    /**
     * Checks the opaque part.
     *
     * @param weak   whether the tag is weak.
     * @param opaque the characters between the quotes; null only for a strong tag, which is {@link #ANY}.
     * @throws IllegalArgumentException when {@code opaque} holds a character that is not an {@code etagc}, or it is
     *                                  null for a weak tag.
     */
    public EntityTag
    {
        requireArgument(opaque != null || !weak, "a weak entity tag needs an opaque part");
        if (opaque != null)
        {
            final int bad = firstInvalid(opaque, 0, opaque.length());
            requireArgument(bad < 0, "entity tag '%s' holds character U+%04X at %d, which is not allowed",
                opaque, bad < 0 ? 0 : (int)opaque.charAt(bad), bad);
        }
    }

    /**
     * A strong tag.
     *
     * @param opaque the characters between the quotes.
     * @return the tag.
     * @throws IllegalArgumentException when {@code opaque} holds a character that is not allowed.
     */
    public static EntityTag strong(final String opaque)
    {
        return new EntityTag(false, requireOpaque(opaque));
    }

    /**
     * A weak tag.
     *
     * @param opaque the characters between the quotes.
     * @return the tag.
     * @throws IllegalArgumentException when {@code opaque} holds a character that is not allowed.
     */
    public static EntityTag weak(final String opaque)
    {
        return new EntityTag(true, requireOpaque(opaque));
    }

    /**
     * Parses one entity tag, such as an {@code ETag} or {@code If-Range} value. Spaces and tabs around it are
     * ignored; {@code *} is not a tag here.
     *
     * @param text the text, may be null.
     * @return the tag, or null when the text is null or not exactly one entity tag.
     */
    public static EntityTag parse(final String text)
    {
        if (text == null)
        {
            return null;
        }
        final int from = HttpTokens.skipOwsForward(text, 0, text.length());
        final int to = HttpTokens.skipOwsBackward(text, from, text.length());
        final int parsed = scan(text, from, to);
        if (parsed != to)
        {
            return null;
        }
        return toTag(text, from, to);
    }

    /**
     * Parses an {@code If-Match} or {@code If-None-Match} value: {@code *}, or a comma-separated list of entity tags
     * with optional whitespace and empty elements (RFC 9110 §5.6.1).
     *
     * @param header the value, may be null.
     * @return {@code [ANY]} for {@code *}; the tags in order; an empty list for null or a value with no elements;
     *         null when the value is malformed (an element that is not a tag, or {@code *} among tags).
     */
    public static List<EntityTag> parseList(final String header)
    {
        if (header == null)
        {
            return List.of();
        }
        final int end = header.length();
        int position = skipOws(header, 0, end);
        if (position < end && header.charAt(position) == '*')
        {
            return skipOws(header, position + 1, end) == end ? List.of(ANY) : null;
        }
        final List<EntityTag> tags = new ArrayList<>(2);
        while (position < end)
        {
            final char c = header.charAt(position);
            if (c == ',' || HttpTokens.isOws(c))
            {
                position++;
                continue;
            }
            final int parsed = scan(header, position, end);
            if (parsed < 0)
            {
                return null;
            }
            tags.add(toTag(header, position, parsed));
            position = skipOws(header, parsed, end);
            if (position < end && header.charAt(position) != ',')
            {
                return null;
            }
        }
        return List.copyOf(tags);
    }

    /**
     * Whether this tag is {@link #ANY}.
     *
     * @return true for {@code *}.
     */
    public boolean isAny()
    {
        return opaque == null;
    }

    /**
     * The strong comparison of RFC 9110 §8.8.3.2: both tags strong and their opaque parts equal.
     *
     * @param other the other tag, may be null.
     * @return whether they match; false when either is weak, null or {@link #ANY}.
     */
    public boolean strongMatch(final EntityTag other)
    {
        return other != null && !weak && !other.weak && opaque != null && opaque.equals(other.opaque);
    }

    /**
     * The weak comparison of RFC 9110 §8.8.3.2: opaque parts equal, whether either tag is weak or not.
     *
     * @param other the other tag, may be null.
     * @return whether they match; false when either is null or {@link #ANY}.
     */
    public boolean weakMatch(final EntityTag other)
    {
        return other != null && opaque != null && opaque.equals(other.opaque);
    }

    /**
     * The tag as a header writes it.
     *
     * @return {@code W/"opaque"}, {@code "opaque"}, or {@code *} for {@link #ANY}.
     */
    @Override
    public String toString()
    {
        if (opaque == null)
        {
            return "*";
        }
        return (weak ? "W/\"" : "\"") + opaque + '"';
    }

    /**
     * Scans one tag starting at {@code from}: the index just past its closing quote, or -1 when there is no valid
     * tag there.
     */
    private static int scan(final String text, final int from, final int end)
    {
        int i = from;
        if (i + 1 < end && text.charAt(i) == 'W' && text.charAt(i + 1) == '/')
        {
            i += 2;
        }
        if (i >= end || text.charAt(i) != '"')
        {
            return -1;
        }
        final int close = text.indexOf('"', i + 1);
        if (close < 0 || close >= end || firstInvalid(text, i + 1, close) >= 0)
        {
            return -1;
        }
        return close + 1;
    }

    private static EntityTag toTag(final String text, final int from, final int to)
    {
        final boolean weak = text.charAt(from) == 'W';
        return new EntityTag(weak, text.substring(from + (weak ? 3 : 1), to - 1));
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

    private static String requireOpaque(final String opaque)
    {
        requireArgument(opaque != null, "an entity tag needs an opaque part");
        return opaque;
    }

    /**
     * The index of the first character in {@code [from, to)} that is not an {@code etagc}, or -1.
     */
    private static int firstInvalid(final String text, final int from, final int to)
    {
        for (int i = from; i < to; i++)
        {
            final char c = text.charAt(i);
            if (c <= 0x20 || c == '"' || c == 0x7F || c > 0xFF)
            {
                return i;
            }
        }
        return -1;
    }
}
