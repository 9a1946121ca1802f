package dev.rawcache.stats;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * Checks once that Agrona's buffers can reach {@code jdk.internal.misc.Unsafe}, and says which flag to add if not.
 * <p>
 * Thread-safe.
 */
public final class AgronaAccess
{
    /** The JVM flag Agrona needs on JDK 25. */
    public static final String REQUIRED_FLAG = "--add-exports java.base/jdk.internal.misc=ALL-UNNAMED";

    private static volatile boolean checked;

    private AgronaAccess()
    {
    }

    /**
     * Throws a clear error when the JVM was started without the flag Agrona needs.
     *
     * @throws IllegalStateException naming the missing flag.
     */
    public static void require()
    {
        if (checked)
        {
            return;
        }
        try
        {
            final UnsafeBuffer probe = new UnsafeBuffer(new byte[16]);
            probe.putLongVolatile(0, 1);
            if (probe.getLongVolatile(0) != 1)
            {
                throw new IllegalStateException("Agrona buffer probe read back a wrong value");
            }
            checked = true;
        }
        catch (final LinkageError e)
        {
            throw new IllegalStateException("rawcache's statistics use Agrona counters, which need the JVM flag " +
                REQUIRED_FLAG + " on JDK 25; add it to the java command line (" + e + ")", e);
        }
    }
}
