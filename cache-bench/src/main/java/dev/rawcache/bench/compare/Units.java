package dev.rawcache.bench.compare;

import java.util.Locale;

/**
 * Number formats shared by the progress lines, the Markdown table and the plots.
 * <p>
 * Stateless and thread-safe.
 */
final class Units
{
    private Units()
    {
    }

    /**
     * A byte count in binary units: {@code 4 KiB}, {@code 512 MiB}, {@code 1.5 GiB}.
     *
     * @param bytes the count.
     * @return the text.
     */
    static String bytes(final long bytes)
    {
        if (bytes >= 1L << 30)
        {
            return trim(bytes / (double)(1L << 30)) + " GiB";
        }
        if (bytes >= 1L << 20)
        {
            return trim(bytes / (double)(1L << 20)) + " MiB";
        }
        if (bytes >= 1L << 10)
        {
            return trim(bytes / (double)(1L << 10)) + " KiB";
        }
        return bytes + " B";
    }

    /**
     * A rate in operations per second with three significant digits: {@code 1.23 M}, {@code 456 K}, {@code 78.9}.
     *
     * @param perSecond the rate; NaN gives a dash.
     * @return the text.
     */
    static String ops(final double perSecond)
    {
        if (Double.isNaN(perSecond))
        {
            return "—";
        }
        if (perSecond >= 1e6)
        {
            return sig3(perSecond / 1e6) + " M";
        }
        if (perSecond >= 1e3)
        {
            return sig3(perSecond / 1e3) + " K";
        }
        return sig3(perSecond);
    }

    /**
     * A bandwidth in decimal megabytes per second, whole numbers with thousands separators: {@code 12,345}.
     *
     * @param bytesPerSecond the rate; NaN gives a dash.
     * @return the text.
     */
    static String megabytes(final double bytesPerSecond)
    {
        if (Double.isNaN(bytesPerSecond))
        {
            return "—";
        }
        return String.format(Locale.ROOT, "%,.0f", bytesPerSecond / 1e6);
    }

    /**
     * A latency in microseconds with three significant digits.
     *
     * @param micros the latency; NaN gives a dash.
     * @return the text.
     */
    static String micros(final double micros)
    {
        return Double.isNaN(micros) ? "—" : sig3(micros);
    }

    /**
     * A ratio with two decimals, or a dash.
     *
     * @param ratio the ratio.
     * @return the text.
     */
    static String ratio(final double ratio)
    {
        return Double.isNaN(ratio) || Double.isInfinite(ratio) ? "—" : String.format(Locale.ROOT, "%.2f", ratio);
    }

    /**
     * A number of cores with one decimal, or a dash.
     *
     * @param cores the number.
     * @return the text.
     */
    static String cores(final double cores)
    {
        return Double.isNaN(cores) ? "—" : String.format(Locale.ROOT, "%.1f", cores);
    }

    /**
     * Seconds with one decimal.
     *
     * @param seconds the duration.
     * @return the text.
     */
    static String seconds(final double seconds)
    {
        return Double.isNaN(seconds) ? "—" : String.format(Locale.ROOT, "%.1f", seconds);
    }

    /**
     * A value size as the tables name it: {@code 4 KiB}, {@code 64 KiB}, {@code 1 MiB}.
     *
     * @param size bytes.
     * @return the text.
     */
    static String size(final int size)
    {
        return bytes(size);
    }

    /**
     * A number for CSV: plain, dot decimal, empty for NaN.
     *
     * @param value the number.
     * @return the text.
     */
    static String csv(final double value)
    {
        if (Double.isNaN(value) || Double.isInfinite(value))
        {
            return "";
        }
        if (value == Math.rint(value) && Math.abs(value) < 1e15)
        {
            return Long.toString((long)value);
        }
        final java.math.BigDecimal rounded = new java.math.BigDecimal(value).round(new java.math.MathContext(4));
        return rounded.scale() > 0 ? rounded.stripTrailingZeros().toPlainString() : Long.toString(rounded.longValue());
    }

    private static String sig3(final double value)
    {
        if (value >= 100)
        {
            return String.format(Locale.ROOT, "%.0f", value);
        }
        if (value >= 10)
        {
            return String.format(Locale.ROOT, "%.1f", value);
        }
        return String.format(Locale.ROOT, "%.2f", value);
    }

    private static String trim(final double value)
    {
        return value == Math.rint(value) ? Long.toString((long)value) : String.format(Locale.ROOT, "%.1f", value);
    }
}
