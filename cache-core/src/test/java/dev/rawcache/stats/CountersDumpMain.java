package dev.rawcache.stats;

import java.nio.file.Path;

/**
 * Run in a child JVM: maps a counters file with {@link CountersFileReader} and prints the owner's state and every
 * {@link CacheCounter} as {@code NAME=value} lines.
 */
public final class CountersDumpMain
{
    private CountersDumpMain()
    {
    }

    /**
     * Prints the counters.
     *
     * @param args the counters file.
     */
    public static void main(final String[] args)
    {
        try (CountersFileReader reader = CountersFileReader.open(Path.of(args[0])))
        {
            System.out.println("ownerRunning=" + reader.isOwnerRunning());
            System.out.println("ownerClosed=" + reader.isClosed());
            System.out.println("ownerPid=" + reader.ownerPid());
            System.out.println("creationId=" + reader.cacheCreationId());
            for (final CacheCounter counter : CacheCounter.values())
            {
                System.out.println(counter.name() + "=" + reader.get(counter));
            }
        }
    }
}
