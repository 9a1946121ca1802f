package dev.rawcache.bench.micro;

import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * One benchmark thread's position in a benchmark's precomputed draws; each thread starts an eighth of the draws
 * further on, so two threads do not read the same key at the same moment.
 * <p>
 * Per-thread JMH state; not thread-safe.
 */
@State(Scope.Thread)
public class Cursor
{
    /** The next draw to use; wrap it with {@link MicroSupport#DRAW_MASK}. */
    public int next;

    /**
     * Creates the cursor; JMH calls this.
     */
    public Cursor()
    {
    }

    /**
     * Places the thread's cursor.
     *
     * @param thread which thread this is.
     */
    @Setup(Level.Trial)
    public void setUp(final ThreadParams thread)
    {
        next = thread.getThreadIndex() * (MicroSupport.DRAWS / 8);
    }
}
