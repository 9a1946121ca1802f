package dev.rawcache.tools;

import dev.rawcache.io.file.Superblock;
import dev.rawcache.stats.CacheCounter;

import java.io.Console;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code ./rawcache stat <cache-file> [--watch ms] [--count n] [--json]}: shows a cache file's geometry and its live
 * counters from any process, the way AeronStat shows Aeron's. It reads the superblock without locking the file and
 * maps the counters file read-only, so it never disturbs the cache that owns them.
 * <pre>
 * ./rawcache stat data/demo.cache               # one table
 * ./rawcache stat data/demo.cache --watch 1000  # a table every second until Ctrl-C
 * ./rawcache stat data/demo.cache --json        # one JSON object, e.g. for jq
 * </pre>
 * With {@code --watch} the screen is cleared before each table when standard output is a terminal; otherwise the
 * tables are separated by a line (with {@code --json}, one object per line). A cache that reopens the file makes a
 * new counters file, which the next reading picks up.
 * <p>
 * Exit codes: 0 after the readings, 1 when the cache file or its counters file cannot be read (the message names the
 * file and the reason), 2 for bad usage.
 * <p>
 * Stateless and thread-safe: {@link #run(String[], PrintStream, PrintStream, boolean)} may run on several threads at
 * once, each with its own streams.
 */
public final class RawCacheStat
{
    /** Exit code after the readings were printed. */
    public static final int EXIT_OK = 0;
    /** Exit code when a file cannot be read. */
    public static final int EXIT_UNREADABLE = 1;
    /** Exit code for bad usage. */
    public static final int EXIT_USAGE = 2;

    private static final String PROGRAM = "rawcache stat";
    private static final String USAGE = """
        Usage: ./rawcache stat <cache-file> [--watch <ms>] [--count <n>] [--json]

          <cache-file>    the cache file (its counters are read from <cache-file>.counters)
          --watch <ms>    print again every <ms> milliseconds until interrupted (Ctrl-C)
          --count <n>     with --watch, stop after <n> readings
          --json          print each reading as one JSON object on one line
          -h, --help      show this help
        """;
    private static final String CLEAR_SCREEN = "\033[H\033[2J";
    private static final String SEPARATOR = "-".repeat(78);
    private static final String LABEL_PREFIX = "rawcache ";
    private static final DateTimeFormatter LOCAL_TIME =
        DateTimeFormatter.ISO_OFFSET_DATE_TIME.withZone(ZoneId.systemDefault());

    private RawCacheStat()
    {
    }

    /**
     * Runs the tool and exits with its exit code.
     *
     * @param args {@code <cache-file> [--watch ms] [--count n] [--json]}.
     */
    public static void main(final String[] args)
    {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs the tool, clearing the screen between readings when standard output is a terminal.
     *
     * @param args {@code <cache-file> [--watch ms] [--count n] [--json]}.
     * @param out  where readings go.
     * @param err  where errors and usage go.
     * @return {@link #EXIT_OK}, {@link #EXIT_UNREADABLE} or {@link #EXIT_USAGE}.
     */
    public static int run(final String[] args, final PrintStream out, final PrintStream err)
    {
        final Console console = System.console();
        return run(args, out, err, out == System.out && console != null && console.isTerminal());
    }

    /**
     * Runs the tool.
     *
     * @param args     {@code <cache-file> [--watch ms] [--count n] [--json]}.
     * @param out      where readings go.
     * @param err      where errors and usage go.
     * @param terminal whether {@code out} is a terminal, so that {@code --watch} clears the screen between readings.
     * @return {@link #EXIT_OK}, {@link #EXIT_UNREADABLE} or {@link #EXIT_USAGE}.
     */
    public static int run(final String[] args, final PrintStream out, final PrintStream err, final boolean terminal)
    {
        final Arguments arguments;
        try
        {
            arguments = Arguments.parse(args);
        }
        catch (final IllegalArgumentException e)
        {
            err.println(PROGRAM + ": " + e.getMessage());
            err.print(USAGE);
            return EXIT_USAGE;
        }
        if (arguments.help())
        {
            out.print(USAGE);
            return EXIT_OK;
        }

        try (CacheStatusReader reader = new CacheStatusReader(arguments.cacheFile()))
        {
            long readings = 0;
            while (true)
            {
                CacheStatus status;
                try
                {
                    status = reader.read();
                }
                catch (final CacheStatusReader.UnreadableException e)
                {
                    if (readings == 0)
                    {
                        err.println(PROGRAM + ": " + e.getMessage());
                        return EXIT_UNREADABLE;
                    }
                    // While watching, a cache that is reopening leaves the files briefly unreadable: say so and wait.
                    err.println(PROGRAM + ": " + e.getMessage() + " (trying again)");
                    status = null;
                }
                if (status != null)
                {
                    print(status, arguments, readings, terminal, out);
                    readings++;
                }
                if (arguments.watchMillis() <= 0 || (arguments.count() > 0 && readings >= arguments.count()))
                {
                    return EXIT_OK;
                }
                try
                {
                    Thread.sleep(arguments.watchMillis());
                }
                catch (final InterruptedException e)
                {
                    Thread.currentThread().interrupt();
                    return EXIT_OK;
                }
            }
        }
    }

    private static void print(final CacheStatus status, final Arguments arguments, final long reading,
                              final boolean terminal, final PrintStream out)
    {
        if (arguments.json())
        {
            out.println(toJson(status));
        }
        else
        {
            if (arguments.watchMillis() > 0)
            {
                if (terminal)
                {
                    out.print(CLEAR_SCREEN);
                }
                else if (reading > 0)
                {
                    out.println(SEPARATOR);
                }
            }
            out.print(toText(status, arguments.watchMillis()));
        }
        out.flush();
    }

    /**
     * Renders a reading as the aligned table the tool prints.
     *
     * @param status      the reading.
     * @param watchMillis the watch interval, or 0 when not watching.
     * @return the table, one line per row, ending in a line separator.
     */
    public static String toText(final CacheStatus status, final long watchMillis)
    {
        final Superblock superblock = status.superblock();
        final List<String[]> rows = new ArrayList<>();
        final StringBuilder text = new StringBuilder();
        text.append("rawcache stat ").append(status.cacheFile()).append("   ")
            .append(formatTime(status.readAt().toEpochMilli()))
            .append(watchMillis > 0 ? "   every " + watchMillis + " ms" : "").append(System.lineSeparator());

        rows.add(row("block size", number(superblock.blockSize()), "bytes"));
        rows.add(row("blocks", number(superblock.blockCount()), "including the superblock"));
        rows.add(row("data blocks", number(superblock.dataBlockCount()),
            "from block " + superblock.dataStartBlock()));
        rows.add(row("capacity", number(superblock.fileLength()),
            "bytes (" + ByteSize.format(superblock.fileLength()) + ")"));
        rows.add(row("creation id", hex(superblock.creationId()), ""));
        rows.add(row("created at", formatTime(superblock.createdAtMillis()), ""));
        rows.add(null);
        rows.add(row("owner pid", Long.toString(status.ownerPid()), status.ownerState().description()));
        rows.add(row("owner opened it at", formatTime(status.ownerStartMillis()), ""));
        rows.add(null);
        for (final Map.Entry<String, Long> counter : status.labelled().entrySet())
        {
            final String label = counter.getKey().startsWith(LABEL_PREFIX) ?
                counter.getKey().substring(LABEL_PREFIX.length()) : counter.getKey();
            rows.add(row(label, number(counter.getValue()), ""));
        }
        rows.add(null);
        final double hitRatio = status.hitRatio();
        final long hits = status.get(CacheCounter.HITS);
        final long lookups = hits + status.get(CacheCounter.MISSES);
        rows.add(row("hit ratio", Double.isNaN(hitRatio) ? "n/a" : String.format(Locale.ROOT, "%.2f %%",
            100 * hitRatio), Double.isNaN(hitRatio) ? "no lookups yet" :
            String.format(Locale.ROOT, "%,d hits in %,d lookups", hits, lookups)));
        rows.add(row("used", String.format(Locale.ROOT, "%.2f %%", status.usedPercent()),
            String.format(Locale.ROOT, "%,d of %,d data blocks", status.get(CacheCounter.USED_BLOCKS),
                superblock.dataBlockCount())));

        int labelWidth = 0;
        for (final String[] row : rows)
        {
            labelWidth = row == null ? labelWidth : Math.max(labelWidth, row[0].length());
        }
        final String section = "  %-" + labelWidth + "s  %25s  %s";
        int sectionIndex = 0;
        final String[] titles = {"cache file", "counters file " + status.countersFile(), "counters", "derived"};
        text.append(titles[sectionIndex++]).append(System.lineSeparator());
        for (final String[] row : rows)
        {
            if (row == null)
            {
                text.append(titles[sectionIndex++]).append(System.lineSeparator());
                continue;
            }
            text.append(String.format(Locale.ROOT, section, row[0], row[1], row[2]).stripTrailing())
                .append(System.lineSeparator());
        }
        if (!status.countersMatchCacheFile())
        {
            text.append("warning: the counters describe an earlier cache file at this path (creation id ")
                .append(hex(status.countersCreationId())).append("); no cache has opened this one since")
                .append(System.lineSeparator());
        }
        return text.toString();
    }

    /**
     * Renders a reading as one line of JSON. Counters are named as the components of
     * {@link dev.rawcache.CacheStats} and {@link dev.rawcache.ZeroCopyStats} ({@code storeBytes},
     * {@code mmapReads}, ...); times are ISO-8601 instants in UTC next to epoch milliseconds.
     *
     * @param status the reading.
     * @return a JSON object, without a line separator.
     */
    public static String toJson(final CacheStatus status)
    {
        final Superblock superblock = status.superblock();
        final StringBuilder json = new StringBuilder(1024).append('{');
        field(json, "cacheFile", quote(status.cacheFile().toString())).append(',');
        field(json, "readAt", quote(status.readAt().truncatedTo(ChronoUnit.MILLIS).toString())).append(',');
        json.append("\"geometry\":{");
        field(json, "blockSize", Long.toString(superblock.blockSize())).append(',');
        field(json, "blockCount", Long.toString(superblock.blockCount())).append(',');
        field(json, "dataStartBlock", Long.toString(superblock.dataStartBlock())).append(',');
        field(json, "dataBlocks", Long.toString(superblock.dataBlockCount())).append(',');
        field(json, "capacityBytes", Long.toString(superblock.fileLength())).append(',');
        field(json, "creationId", quote(hex(superblock.creationId()))).append(',');
        field(json, "createdAt", quote(Instant.ofEpochMilli(superblock.createdAtMillis()).toString())).append(',');
        field(json, "createdAtMillis", Long.toString(superblock.createdAtMillis()));
        json.append("},");
        field(json, "countersFile", quote(status.countersFile().toString())).append(',');
        json.append("\"owner\":{");
        field(json, "pid", Long.toString(status.ownerPid())).append(',');
        field(json, "state", quote(status.ownerState().name().toLowerCase(Locale.ROOT))).append(',');
        field(json, "openedAt", quote(Instant.ofEpochMilli(status.ownerStartMillis()).toString())).append(',');
        field(json, "openedAtMillis", Long.toString(status.ownerStartMillis()));
        json.append("},");
        field(json, "countersMatchCacheFile", Boolean.toString(status.countersMatchCacheFile())).append(',');
        json.append("\"counters\":{");
        boolean first = true;
        for (final CacheCounter counter : CacheCounter.values())
        {
            if (!first)
            {
                json.append(',');
            }
            field(json, jsonName(counter), Long.toString(status.get(counter)));
            first = false;
        }
        json.append("},");
        final double hitRatio = status.hitRatio();
        field(json, "hitRatio", Double.isNaN(hitRatio) ? "null" : String.format(Locale.ROOT, "%.6f", hitRatio))
            .append(',');
        field(json, "usedPercent", String.format(Locale.ROOT, "%.4f", status.usedPercent()));
        return json.append('}').toString();
    }

    /**
     * The JSON name of a counter: its enum name in lower camel case, as the matching stats record component.
     *
     * @param counter the counter.
     * @return e.g. {@code storeBytes} for {@link CacheCounter#STORE_BYTES}.
     */
    public static String jsonName(final CacheCounter counter)
    {
        final StringBuilder name = new StringBuilder();
        boolean upper = false;
        for (final char c : counter.name().toCharArray())
        {
            if (c == '_')
            {
                upper = true;
            }
            else
            {
                name.append(upper ? c : Character.toLowerCase(c));
                upper = false;
            }
        }
        return name.toString();
    }

    private static String[] row(final String label, final String value, final String note)
    {
        return new String[]{label, value, note};
    }

    private static String number(final long value)
    {
        return String.format(Locale.ROOT, "%,d", value);
    }

    private static String hex(final long value)
    {
        return String.format(Locale.ROOT, "0x%016x", value);
    }

    private static String formatTime(final long epochMillis)
    {
        return LOCAL_TIME.format(Instant.ofEpochMilli(epochMillis).truncatedTo(ChronoUnit.SECONDS));
    }

    private static StringBuilder field(final StringBuilder json, final String name, final String value)
    {
        return json.append(quote(name)).append(':').append(value);
    }

    private static String quote(final String text)
    {
        final StringBuilder quoted = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            switch (c)
            {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                case '\n' -> quoted.append("\\n");
                case '\r' -> quoted.append("\\r");
                case '\t' -> quoted.append("\\t");
                default ->
                {
                    if (c < 0x20)
                    {
                        quoted.append(String.format(Locale.ROOT, "\\u%04x", (int)c));
                    }
                    else
                    {
                        quoted.append(c);
                    }
                }
            }
        }
        return quoted.append('"').toString();
    }

    /**
     * The parsed command line.
     *
     * @param cacheFile   the cache file.
     * @param watchMillis the interval between readings, or 0 for one reading.
     * @param count       how many readings to take when watching, or 0 for no limit.
     * @param json        whether to print JSON.
     * @param help        whether help was asked for.
     */
    private record Arguments(Path cacheFile, long watchMillis, long count, boolean json, boolean help)
    {
        static Arguments parse(final String[] args)
        {
            String cacheFile = null;
            long watchMillis = 0;
            long count = 0;
            boolean json = false;
            boolean help = false;
            for (int i = 0; i < args.length; i++)
            {
                final String arg = args[i];
                final int equals = arg.indexOf('=');
                final String option = arg.startsWith("--") && equals > 0 ? arg.substring(0, equals) : arg;
                switch (option)
                {
                    case "-h", "--help" -> help = true;
                    case "--json" -> json = true;
                    case "--watch", "--count" ->
                    {
                        final String value;
                        if (equals > 0)
                        {
                            value = arg.substring(equals + 1);
                        }
                        else if (i + 1 < args.length)
                        {
                            value = args[++i];
                        }
                        else
                        {
                            throw new IllegalArgumentException(option + " needs a number");
                        }
                        final long number = positive(option, value);
                        if (option.equals("--watch"))
                        {
                            watchMillis = number;
                        }
                        else
                        {
                            count = number;
                        }
                    }
                    default ->
                    {
                        if (arg.startsWith("-") && arg.length() > 1)
                        {
                            throw new IllegalArgumentException("unknown option " + arg);
                        }
                        if (cacheFile != null)
                        {
                            throw new IllegalArgumentException("more than one cache file: " + cacheFile + " and " +
                                arg);
                        }
                        if (arg.isBlank())
                        {
                            throw new IllegalArgumentException("the cache file name is empty");
                        }
                        cacheFile = arg;
                    }
                }
            }
            if (help)
            {
                return new Arguments(null, 0, 0, false, true);
            }
            if (cacheFile == null)
            {
                throw new IllegalArgumentException("no cache file given");
            }
            if (count > 0 && watchMillis == 0)
            {
                throw new IllegalArgumentException("--count needs --watch");
            }
            return new Arguments(Path.of(cacheFile), watchMillis, count, json, false);
        }

        private static long positive(final String option, final String value)
        {
            try
            {
                final long number = Long.parseLong(value.trim());
                if (number > 0)
                {
                    return number;
                }
            }
            catch (final NumberFormatException e)
            {
                // reported below
            }
            throw new IllegalArgumentException(option + " needs a positive whole number, not '" + value + "'");
        }
    }
}
