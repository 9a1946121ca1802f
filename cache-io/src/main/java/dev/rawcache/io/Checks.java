package dev.rawcache.io;

/**
 * Argument and state checks whose messages name the offending value and the limit it broke.
 * <p>
 * Stateless and thread-safe.
 */
public final class Checks
{
    private Checks()
    {
    }

    /**
     * Throws {@link IllegalArgumentException} when {@code condition} is false.
     *
     * @param condition the condition that must hold.
     * @param template  a {@link String#format(String, Object...)} template naming the value and the limit.
     * @param args      the template's arguments.
     * @throws IllegalArgumentException when the condition is false.
     */
    public static void requireArgument(final boolean condition, final String template, final Object... args)
    {
        if (!condition)
        {
            throw new IllegalArgumentException(String.format(template, args));
        }
    }

    /**
     * Throws {@link IllegalStateException} when {@code condition} is false.
     *
     * @param condition the condition that must hold.
     * @param template  a {@link String#format(String, Object...)} template naming the state.
     * @param args      the template's arguments.
     * @throws IllegalStateException when the condition is false.
     */
    public static void requireState(final boolean condition, final String template, final Object... args)
    {
        if (!condition)
        {
            throw new IllegalStateException(String.format(template, args));
        }
    }

    /**
     * Whether {@code value} is a positive power of two.
     *
     * @param value the value to test.
     * @return true for 1, 2, 4, 8, ...
     */
    public static boolean isPowerOfTwo(final long value)
    {
        return value > 0 && (value & (value - 1)) == 0;
    }
}
