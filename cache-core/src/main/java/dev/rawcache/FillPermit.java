package dev.rawcache;

/**
 * The answer to {@link RawDiskCache#lockForFill(String, java.time.Duration)}: whether the caller is the one request
 * that fetches the object from the origin and stores it, or a follower that waited for that request and should now
 * look the key up again.
 * <p>
 * A writer's permit must be closed (after the store, or after giving up): that wakes the followers. A permit that is
 * not the writer's needs no closing, but closing it does no harm.
 * <p>
 * Thread-safe: {@link #close()} runs once.
 */
public interface FillPermit extends AutoCloseable
{
    /**
     * What a call to {@code lockForFill} came to.
     */
    enum Outcome
    {
        /** No fill was going on: this caller fills. */
        WRITER,
        /** Another request was filling and has finished (stored, or gave up): look the key up again. */
        FILLED_BY_OTHER,
        /** Another request held the fill longer than the timeout: it is presumed dead, and this caller fills. */
        TOOK_OVER
    }

    /**
     * What the call came to.
     *
     * @return the outcome.
     */
    Outcome outcome();

    /**
     * Whether this caller must fetch and store the object.
     *
     * @return true for {@link Outcome#WRITER} and {@link Outcome#TOOK_OVER}.
     */
    default boolean isWriter()
    {
        return outcome() != Outcome.FILLED_BY_OTHER;
    }

    /**
     * Whether this permit still holds the fill: false once closed, or once another caller took over after the
     * timeout (a writer that finds it has lost the fill should not store).
     *
     * @return true while this writer holds the fill.
     */
    boolean isHeld();

    /**
     * Ends the fill (for a writer) and wakes every follower. Idempotent.
     */
    @Override
    void close();
}
