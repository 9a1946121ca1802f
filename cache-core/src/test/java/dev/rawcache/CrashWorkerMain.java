package dev.rawcache;

import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Random;

/**
 * The child JVM of {@link CrashRecoveryTest}: opens (and so recovers) a cache, reports every key it finds with the
 * version its bytes carry after checking them byte for byte, then stores, overwrites and removes keys until it is
 * killed, announcing each operation before it starts ({@code B}) and after it returns ({@code S}, {@code R}).
 * <p>
 * Arguments: cache file, capacity bytes, key count, first version number (0: only recover, report and halt, as
 * abruptly as a kill), random seed, operation log file. Recovery results go to standard output; operations go to the
 * log file, one unbuffered write per line with the wall-clock millisecond at which it was written (the clock the
 * parent reads too), so that nothing said before the kill can be lost in a pipe.
 */
public final class CrashWorkerMain
{
    private CrashWorkerMain()
    {
    }

    /**
     * Runs until killed.
     *
     * @param args cache file, capacity bytes, key count, first version, seed, operation log.
     * @throws java.io.IOException when the log cannot be opened.
     */
    public static void main(final String[] args) throws java.io.IOException
    {
        final PrintStream out = new PrintStream(System.out, true);
        final PrintStream log = new PrintStream(new java.io.FileOutputStream(args[5], true), true);
        final Path path = Path.of(args[0]);
        final long capacity = Long.parseLong(args[1]);
        final int keys = Integer.parseInt(args[2]);
        long version = Long.parseLong(args[3]);
        final Random random = new Random(Long.parseLong(args[4]));
        try (RawDiskCache cache = RawDiskCache.open(CrashRecoveryTest.config(path, capacity)))
        {
            for (int k = 0; k < keys; k++)
            {
                final String key = CrashRecoveryTest.key(k);
                final ByteBuffer value = cache.lookup(key);
                if (value == null)
                {
                    out.println("K " + key + " -1");
                    continue;
                }
                final byte[] bytes = Values.bytes(value);
                final long claimed = Values.claimedVersion(key, bytes);
                Values.assertValue(key, claimed, bytes.length, bytes);
                out.println("K " + key + " " + claimed);
            }
            final CacheStats stats = cache.stats();
            out.println("READY " + stats.entries() + " " + stats.recoveryFailures() + " " + stats.checksumFailures() +
                " " + stats.evictions());
            if (version == 0)
            {
                Runtime.getRuntime().halt(0);
            }
            while (true)
            {
                final String key = CrashRecoveryTest.key(random.nextInt(keys));
                if (random.nextInt(10) == 0)
                {
                    log.println("B R " + key + " -1 " + System.currentTimeMillis());
                    cache.remove(key);
                    log.println("R " + key + " -1 " + System.currentTimeMillis());
                }
                else
                {
                    final long v = version++;
                    final int size = CrashRecoveryTest.size(key, v);
                    log.println("B S " + key + " " + v + " " + System.currentTimeMillis());
                    cache.store(key, Values.of(key, v, size));
                    log.println("S " + key + " " + v + " " + System.currentTimeMillis());
                }
            }
        }
        catch (final Throwable t)
        {
            out.println("FAILED " + t);
            t.printStackTrace(out);
            System.exit(3);
        }
    }
}
