package dev.rawcache;

import dev.rawcache.io.Checks;

import java.time.Duration;
import java.util.Objects;

/**
 * When a store becomes durable. Whatever the mode, the journal record of a store reaches the page cache (a
 * {@code pwrite}) within {@link #FLUSH_INTERVAL} of the store returning, so a process crash ({@code kill -9}, the
 * operating system survives) loses no store that returned more than that long before; the modes differ in what
 * survives a crash of the operating system or a power loss.
 * <table>
 *   <caption>Durability modes</caption>
 *   <tr><th>mode</th><th>promise</th><th>cost</th></tr>
 *   <tr><td>{@link #none()}</td><td>an OS crash may lose any store since the last clean close (recovery falls back
 *   to an older checkpoint, or scans); a lost entry is a miss, and an entry whose journal record outlived its data
 *   fails its checksum: never served corrupt</td><td>no {@code fsync} at all but at close</td></tr>
 *   <tr><td>{@link #periodic(Duration)}</td><td>an OS crash loses at most the stores of the last interval</td>
 *   <td>one {@code fdatasync} per interval, on a background thread</td></tr>
 *   <tr><td>{@link #onStore()}</td><td>a store that returned survives an OS crash</td><td>every store waits for
 *   an {@code fdatasync} (shared by all stores waiting at that moment: group commit)</td></tr>
 * </table>
 * Immutable and thread-safe.
 */
public final class Durability
{
    /** The longest a store's journal record waits in memory before it is written to the file. */
    public static final Duration FLUSH_INTERVAL = Duration.ofMillis(100);

    /**
     * The kinds of durability.
     */
    public enum Mode
    {
        /** Page cache only; fsync only at a clean close. */
        NONE,
        /** fsync every interval. */
        PERIODIC,
        /** fsync before each store returns. */
        ON_STORE
    }

    private static final Durability NONE = new Durability(Mode.NONE, null);
    private static final Durability ON_STORE = new Durability(Mode.ON_STORE, null);

    private final Mode mode;
    private final Duration interval;

    private Durability(final Mode mode, final Duration interval)
    {
        this.mode = mode;
        this.interval = interval;
    }

    /**
     * Page cache only: survives process crashes, not OS crashes.
     *
     * @return the mode.
     */
    public static Durability none()
    {
        return NONE;
    }

    /**
     * An {@code fdatasync} every {@code interval}.
     *
     * @param interval from 10 ms to 1 hour.
     * @return the mode.
     */
    public static Durability periodic(final Duration interval)
    {
        Objects.requireNonNull(interval, "interval");
        Checks.requireArgument(interval.compareTo(Duration.ofMillis(10)) >= 0 &&
            interval.compareTo(Duration.ofHours(1)) <= 0, "sync interval %s must be from 10 ms to 1 hour", interval);
        return new Durability(Mode.PERIODIC, interval);
    }

    /**
     * An {@code fdatasync} before every store returns.
     *
     * @return the mode.
     */
    public static Durability onStore()
    {
        return ON_STORE;
    }

    /**
     * The kind.
     *
     * @return the mode.
     */
    public Mode mode()
    {
        return mode;
    }

    /**
     * The sync interval of {@link Mode#PERIODIC}.
     *
     * @return the interval, or null for the other modes.
     */
    public Duration interval()
    {
        return interval;
    }

    @Override
    public boolean equals(final Object o)
    {
        return o instanceof Durability other && mode == other.mode && Objects.equals(interval, other.interval);
    }

    @Override
    public int hashCode()
    {
        return Objects.hash(mode, interval);
    }

    @Override
    public String toString()
    {
        return mode == Mode.PERIODIC ? "PERIODIC(" + interval + ")" : mode.name();
    }
}
