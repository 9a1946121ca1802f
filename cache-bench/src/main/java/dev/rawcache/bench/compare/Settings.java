package dev.rawcache.bench.compare;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The run's settings, from the command line.
 *
 * @param mode            {@code quick} or {@code full}.
 * @param workingSetBytes value bytes per data set (per value size).
 * @param sizes           the value sizes, in order.
 * @param engines         substrings selecting engines by name (case-insensitive); empty for all.
 * @param phaseSeconds    length of each timed lookup and mixed phase.
 * @param warmupSeconds   length of the untimed warm-up.
 * @param maxStoreSeconds cap on a store phase.
 * @param limitSeconds    length of each limit measurement.
 * @param rounds          rounds over all engines (the engine order rotates each round; tables show medians).
 * @param seed            the seed of data and key draws.
 * @param outDirectory    where results and plots are written.
 * @param dataDirectory   where engines' files go (a fresh directory is made inside).
 * @param command         the command line, for the results page.
 */
record Settings(String mode, long workingSetBytes, List<Integer> sizes, List<String> engines, double phaseSeconds,
                double warmupSeconds, double maxStoreSeconds, double limitSeconds, int rounds, long seed,
                Path outDirectory, Path dataDirectory, String command)
{
    static final String USAGE = """
        usage: Compare [--quick | --full] [options]
          --quick               512 MiB per value size, 2 s phases, 1 round (under 10 minutes)
          --full                1 GiB per value size, 5 s phases, 3 rounds with the engine order rotated (default)
          --sizes 4096,65536,1048576   value sizes in bytes
          --engines a,b         only engines whose name contains one of these (case-insensitive)
          --working-set-mib N   value bytes per value size, MiB
          --seconds S           length of each timed phase
          --rounds N            rounds over all engines
          --out DIR             where results and plots go (default: docs)
          --data-dir DIR        where engines' files go (default: java.io.tmpdir)
          --seed N              seed of values and key draws
        """;

    /**
     * Parses the command line.
     *
     * @param args the arguments.
     * @return the settings.
     * @throws IllegalArgumentException on a bad argument, with the usage in the message.
     */
    static Settings parse(final String[] args)
    {
        boolean quick = false;
        Long workingSet = null;
        List<Integer> sizes = List.of(4096, 65536, 1 << 20);
        List<String> engines = List.of();
        Double seconds = null;
        Integer rounds = null;
        Path out = Path.of("docs");
        Path data = Path.of(System.getProperty("java.io.tmpdir"));
        long seed = 42;
        for (int i = 0; i < args.length; i++)
        {
            final String arg = args[i];
            switch (arg)
            {
                case "--quick" -> quick = true;
                case "--full" -> quick = false;
                case "--sizes" -> sizes = parseInts(value(args, ++i, arg));
                case "--engines" -> engines = List.of(value(args, ++i, arg).toLowerCase().split(","));
                case "--working-set-mib" -> workingSet = Long.parseLong(value(args, ++i, arg)) << 20;
                case "--seconds" -> seconds = Double.parseDouble(value(args, ++i, arg));
                case "--rounds" -> rounds = Integer.parseInt(value(args, ++i, arg));
                case "--out" -> out = Path.of(value(args, ++i, arg));
                case "--data-dir" -> data = Path.of(value(args, ++i, arg));
                case "--seed" -> seed = Long.parseLong(value(args, ++i, arg));
                case "-h", "--help" -> throw new IllegalArgumentException(USAGE);
                default -> throw new IllegalArgumentException("unknown argument " + arg + "\n" + USAGE);
            }
        }
        final double phase = seconds != null ? seconds : quick ? 2 : 5;
        return new Settings(quick ? "quick" : "full",
            workingSet != null ? workingSet : quick ? 512L << 20 : 1L << 30,
            sizes, engines, phase, quick ? 0.5 : 2, quick ? 60 : 300, quick ? 0.5 : 2,
            rounds != null ? rounds : quick ? 1 : 3, seed, out, data, String.join(" ", args));
    }

    private static String value(final String[] args, final int i, final String name)
    {
        if (i >= args.length)
        {
            throw new IllegalArgumentException(name + " needs a value\n" + USAGE);
        }
        return args[i];
    }

    private static List<Integer> parseInts(final String list)
    {
        final List<Integer> values = new ArrayList<>();
        for (final String s : list.split(","))
        {
            final int v = Integer.parseInt(s.trim());
            if (v < 16 || Integer.bitCount(v) != 1)
            {
                throw new IllegalArgumentException("value size " + v + " must be a power of two of at least 16");
            }
            values.add(v);
        }
        return values;
    }
}
