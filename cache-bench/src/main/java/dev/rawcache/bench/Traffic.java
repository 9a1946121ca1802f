package dev.rawcache.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Value bytes moved by a benchmark thread (delivered by a lookup, or stored), reported by JMH as a rate named
 * {@code bytes} next to the operation rate.
 * <p>
 * Per-thread JMH state; not thread-safe.
 */
@AuxCounters(AuxCounters.Type.OPERATIONS)
@State(Scope.Thread)
public class Traffic
{
    /** Value bytes moved in this iteration. */
    public long bytes;

    /**
     * Creates the counter; JMH calls this.
     */
    public Traffic()
    {
    }

    /**
     * Zeroes the counter; JMH does not.
     */
    @Setup(Level.Iteration)
    public void reset()
    {
        bytes = 0;
    }
}
