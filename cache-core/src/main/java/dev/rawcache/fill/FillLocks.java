package dev.rawcache.fill;

import dev.rawcache.FillPermit;
import dev.rawcache.io.Checks;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One fill per key at a time, against the thundering herd: of many requests that miss on one key at once, exactly one
 * fetches from the origin and stores; the others wait for it and then read the stored result.
 * <p>
 * <b>The choice.</b> A map from key to the fill in progress, each with a latch. The first caller installs its fill
 * and is the writer; later callers wait on the latch up to their timeout. When the writer closes its permit the fill
 * is removed and the latch opened: the followers return {@link FillPermit.Outcome#FILLED_BY_OTHER} and look again
 * (if the writer gave up, the next caller becomes the writer). A follower whose timeout passes while the fill is
 * still held presumes the writer dead and takes over: it replaces the fill (atomically, so only one follower takes
 * over), opens the old latch so the others re-contend, and the stale writer's permit reports {@link
 * FillPermit#isHeld()} false and its close does nothing. This is what pingora's cache lock does, and what nginx's
 * {@code proxy_cache_lock} with {@code proxy_cache_lock_age} does.
 * <p>
 * The locks are in memory only: a restart forgets them, as it should.
 * <p>
 * Thread-safe.
 */
public final class FillLocks
{
    private final ConcurrentHashMap<String, Fill> fills = new ConcurrentHashMap<>();
    private final AtomicLong takeovers = new AtomicLong();

    /**
     * An empty lock table.
     */
    public FillLocks()
    {
    }

    /**
     * Becomes the writer of a key's fill, or waits for the current writer.
     *
     * @param key     the key.
     * @param timeout how long to wait for another writer before taking over; positive.
     * @return the permit.
     * @throws InterruptedException when interrupted while waiting.
     */
    public FillPermit lock(final String key, final Duration timeout) throws InterruptedException
    {
        Checks.requireArgument(timeout != null && !timeout.isNegative() && !timeout.isZero(),
            "fill timeout %s must be positive", timeout);
        final Fill mine = new Fill(key);
        final Fill current = fills.putIfAbsent(key, mine);
        if (current == null)
        {
            return mine.permit(FillPermit.Outcome.WRITER);
        }
        if (current.done.await(toNanosSaturated(timeout), TimeUnit.NANOSECONDS))
        {
            return new Follower();
        }
        // The writer has held the fill past our timeout: presume it dead and take over, once.
        if (fills.replace(key, current, mine))
        {
            current.abandon();
            takeovers.incrementAndGet();
            return mine.permit(FillPermit.Outcome.TOOK_OVER);
        }
        // Someone else took over or the fill just ended: let the caller look again.
        return new Follower();
    }

    private static long toNanosSaturated(final Duration timeout)
    {
        try
        {
            return timeout.toNanos();
        }
        catch (final ArithmeticException e)
        {
            return Long.MAX_VALUE;
        }
    }

    /**
     * How many fills are in progress.
     *
     * @return the count.
     */
    public int inProgress()
    {
        return fills.size();
    }

    /**
     * How many times a follower took over a fill whose writer held it too long.
     *
     * @return the count.
     */
    public long takeovers()
    {
        return takeovers.get();
    }

    /**
     * A fill in progress.
     */
    private final class Fill
    {
        final String key;
        final CountDownLatch done = new CountDownLatch(1);
        final AtomicBoolean held = new AtomicBoolean(true);

        Fill(final String key)
        {
            this.key = key;
        }

        FillPermit permit(final FillPermit.Outcome outcome)
        {
            return new FillPermit()
            {
                @Override
                public Outcome outcome()
                {
                    return outcome;
                }

                @Override
                public boolean isHeld()
                {
                    return held.get();
                }

                @Override
                public void close()
                {
                    if (held.compareAndSet(true, false))
                    {
                        fills.remove(key, Fill.this);
                        done.countDown();
                    }
                }
            };
        }

        void abandon()
        {
            held.set(false);
            done.countDown();
        }
    }

    /**
     * The permit of a caller that waited for another writer.
     */
    private static final class Follower implements FillPermit
    {
        @Override
        public Outcome outcome()
        {
            return Outcome.FILLED_BY_OTHER;
        }

        @Override
        public boolean isHeld()
        {
            return false;
        }

        @Override
        public void close()
        {
        }
    }
}
