package dev.rawcache;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock that moves only when a test advances it, for deterministic expiry.
 * <p>
 * Thread-safe.
 */
final class ManualClock implements InstantSource
{
    private final AtomicLong millis = new AtomicLong(1_750_000_000_000L);

    @Override
    public Instant instant()
    {
        return Instant.ofEpochMilli(millis.get());
    }

    @Override
    public long millis()
    {
        return millis.get();
    }

    /**
     * Moves the clock forward.
     *
     * @param duration how far.
     */
    void advance(final Duration duration)
    {
        millis.addAndGet(duration.toMillis());
    }
}
