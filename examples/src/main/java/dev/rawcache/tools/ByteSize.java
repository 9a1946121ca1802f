package dev.rawcache.tools;

import java.util.Locale;

/**
 * Byte counts as people type and read them: {@code 512m} in, {@code 512 MiB} out. Suffixes are powers of 1024.
 * <p>
 * Stateless and thread-safe.
 */
public final class ByteSize
{
    private static final String[] UNITS = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

    private ByteSize()
    {
    }

    /**
     * Parses a byte count: digits with an optional {@code k}, {@code m} or {@code g} suffix (any case, optionally
     * followed by {@code b} or {@code ib}), e.g. {@code 4096}, {@code 64k}, {@code 512m}, {@code 2GiB}.
     *
     * @param text the text.
     * @return the count in bytes.
     * @throws IllegalArgumentException when the text is not a count or the count does not fit in a long.
     */
    public static long parse(final String text)
    {
        if (text == null || text.isBlank())
        {
            throw new IllegalArgumentException("a size is empty; expected digits with an optional k, m or g suffix");
        }
        final String t = text.trim().toLowerCase(Locale.ROOT);
        int end = 0;
        while (end < t.length() && Character.isDigit(t.charAt(end)))
        {
            end++;
        }
        final String suffix = t.substring(end);
        final int shift = switch (suffix)
        {
            case "", "b" -> 0;
            case "k", "kb", "kib" -> 10;
            case "m", "mb", "mib" -> 20;
            case "g", "gb", "gib" -> 30;
            default -> -1;
        };
        if (end == 0 || shift < 0)
        {
            throw new IllegalArgumentException("size '" + text + "' is not digits with an optional k, m or g " +
                "suffix (e.g. 512m)");
        }
        try
        {
            final long number = Long.parseLong(t.substring(0, end));
            if (number > (Long.MAX_VALUE >> shift))
            {
                throw new NumberFormatException();
            }
            return number << shift;
        }
        catch (final NumberFormatException e)
        {
            throw new IllegalArgumentException("size '" + text + "' is too large", e);
        }
    }

    /**
     * Formats a byte count in the largest binary unit that keeps it at least 1, exactly when it is a whole number
     * of that unit ({@code 16 MiB}) and to one decimal otherwise ({@code 39.9 MiB}).
     *
     * @param bytes the count, 0 or more.
     * @return the text.
     */
    public static String format(final long bytes)
    {
        if (bytes < 1024)
        {
            return bytes + (bytes == 1 ? " byte" : " bytes");
        }
        int unit = 0;
        while (unit + 1 < UNITS.length && bytes >= (1L << (10 * (unit + 1))))
        {
            unit++;
        }
        final long size = 1L << (10 * unit);
        return bytes % size == 0 ? (bytes / size) + " " + UNITS[unit] :
            String.format(Locale.ROOT, "%.1f %s", (double)bytes / size, UNITS[unit]);
    }

    /**
     * Formats a byte count as an argument {@link #parse(String)} reads back exactly: {@code 512m}, {@code 64k},
     * or plain digits.
     *
     * @param bytes the count, 0 or more.
     * @return the text.
     */
    public static String toArgument(final long bytes)
    {
        if (bytes > 0 && bytes % (1L << 30) == 0)
        {
            return (bytes >> 30) + "g";
        }
        if (bytes > 0 && bytes % (1L << 20) == 0)
        {
            return (bytes >> 20) + "m";
        }
        if (bytes > 0 && bytes % (1L << 10) == 0)
        {
            return (bytes >> 10) + "k";
        }
        return Long.toString(bytes);
    }
}
