package dev.rawcache;

import dev.rawcache.io.CacheIoException;

import java.nio.file.Path;

/**
 * Run in a child JVM: tries to open a cache file another process may hold and prints {@code result=OPENED} or
 * {@code result=<reason>}. Its counters go to a file of its own so that the parent's are not replaced.
 */
public final class OpenAttemptMain
{
    private OpenAttemptMain()
    {
    }

    /**
     * Tries the open.
     *
     * @param args the cache file, its capacity in bytes, and a counters file for this process.
     */
    public static void main(final String[] args)
    {
        final CacheConfig config = CacheConfig.builder(Path.of(args[0])).capacityBytes(Long.parseLong(args[1]))
            .countersFile(Path.of(args[2])).build();
        try (RawDiskCache cache = RawDiskCache.open(config))
        {
            System.out.println("result=OPENED " + cache.superblock().creationId());
        }
        catch (final CacheIoException e)
        {
            System.out.println("result=" + e.reason());
            System.out.println("message=" + e.getMessage());
        }
    }
}
