package dev.rawcache.examples;

import dev.rawcache.tools.ByteSize;

import java.nio.file.Path;

/**
 * The zero-copy demo's command line: {@code [cache-file] [--capacity <size>] [-h|--help]}.
 * <p>
 * Immutable and thread-safe.
 *
 * @param cacheFile      the cache file.
 * @param cacheFileGiven whether the cache file was given rather than defaulted.
 * @param capacityBytes  the capacity.
 * @param help           whether help was asked for.
 */
record DemoArguments(Path cacheFile, boolean cacheFileGiven, long capacityBytes, boolean help)
{
    /**
     * Parses the command line.
     *
     * @param args            the arguments.
     * @param defaultFile     the cache file when none is given.
     * @param defaultCapacity the capacity when none is given.
     * @return the arguments.
     * @throws IllegalArgumentException saying what is wrong.
     */
    static DemoArguments parse(final String[] args, final Path defaultFile, final long defaultCapacity)
    {
        Path cacheFile = null;
        long capacity = defaultCapacity;
        boolean help = false;
        for (int i = 0; i < args.length; i++)
        {
            final String arg = args[i];
            if (arg.equals("-h") || arg.equals("--help"))
            {
                help = true;
            }
            else if (arg.equals("--capacity"))
            {
                if (i + 1 >= args.length)
                {
                    throw new IllegalArgumentException("--capacity needs a size, e.g. --capacity 256m");
                }
                capacity = ByteSize.parse(args[++i]);
            }
            else if (arg.startsWith("--capacity="))
            {
                capacity = ByteSize.parse(arg.substring("--capacity=".length()));
            }
            else if (arg.startsWith("-") && arg.length() > 1)
            {
                throw new IllegalArgumentException("unknown option " + arg);
            }
            else if (cacheFile == null)
            {
                if (arg.isBlank())
                {
                    throw new IllegalArgumentException("the cache file name is empty");
                }
                cacheFile = Path.of(arg);
            }
            else
            {
                throw new IllegalArgumentException("more than one cache file: " + cacheFile + " and " + arg);
            }
        }
        if (capacity <= 0)
        {
            throw new IllegalArgumentException("the capacity must be positive");
        }
        return new DemoArguments(cacheFile == null ? defaultFile : cacheFile, cacheFile != null, capacity, help);
    }
}
