package dev.rawcache.server.http;

/**
 * Character classes from RFC 9110's grammar shared by the parsers in this package.
 * <p>
 * Stateless and thread-safe.
 */
final class HttpTokens
{
    private static final boolean[] TCHAR = new boolean[128];

    static
    {
        for (char c = '0'; c <= '9'; c++)
        {
            TCHAR[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++)
        {
            TCHAR[c] = true;
            TCHAR[c - 'a' + 'A'] = true;
        }
        for (final char c : "!#$%&'*+-.^_`|~".toCharArray())
        {
            TCHAR[c] = true;
        }
    }

    private HttpTokens()
    {
    }

    /**
     * Whether {@code c} is a {@code tchar}: a letter, a digit or one of {@code !#$%&'*+-.^_`|~}.
     */
    static boolean isTchar(final char c)
    {
        return c < 128 && TCHAR[c];
    }

    /**
     * Whether {@code text[from, to)} is a {@code token}: one or more {@code tchar}s.
     */
    static boolean isToken(final CharSequence text, final int from, final int to)
    {
        if (from >= to)
        {
            return false;
        }
        for (int i = from; i < to; i++)
        {
            if (!isTchar(text.charAt(i)))
            {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether {@code text} is a {@code token}.
     */
    static boolean isToken(final CharSequence text)
    {
        return text != null && isToken(text, 0, text.length());
    }

    /**
     * Whether {@code c} is optional whitespace: a space or a horizontal tab.
     */
    static boolean isOws(final char c)
    {
        return c == ' ' || c == '\t';
    }

    /**
     * The first index in {@code [from, to)} of {@code s} that is not optional whitespace, or {@code to}.
     */
    static int skipOwsForward(final String s, final int from, final int to)
    {
        int at = from;
        while (at < to && isOws(s.charAt(at)))
        {
            at++;
        }
        return at;
    }

    /**
     * One past the last index in {@code [from, to)} of {@code s} that is not optional whitespace, or {@code from}.
     */
    static int skipOwsBackward(final String s, final int from, final int to)
    {
        int at = to;
        while (at > from && isOws(s.charAt(at - 1)))
        {
            at--;
        }
        return at;
    }
}
