package dev.rawcache;

/**
 * How long an entry may be served, in the terms of HTTP caching (RFC 9111, RFC 5861): fresh until
 * {@link #freshUntilMillis()}; then stale, but servable while it is revalidated in the background until
 * {@link #staleWhileRevalidateUntilMillis()}, and servable when the origin fails until
 * {@link #staleIfErrorUntilMillis()}. After the latest of the three the entry is gone (a miss).
 * <p>
 * Immutable and thread-safe.
 *
 * @param freshUntilMillis                epoch ms until which the entry is fresh; 0 for forever.
 * @param staleWhileRevalidateUntilMillis epoch ms until which a stale entry may be served while revalidating; 0 for
 *                                        no such window.
 * @param staleIfErrorUntilMillis         epoch ms until which a stale entry may be served if the origin fails; 0 for
 *                                        no such window.
 */
public record Freshness(long freshUntilMillis, long staleWhileRevalidateUntilMillis, long staleIfErrorUntilMillis)
{
    /** Fresh forever. */
    public static final Freshness FOREVER = new Freshness(0, 0, 0);

    /**
     * What a proxy may do with the entry at a moment.
     */
    public enum State
    {
        /** Serve it. */
        FRESH,
        /** Serve it, and revalidate it in the background. */
        STALE_WHILE_REVALIDATE,
        /** Revalidate first; serve it only if the origin fails. */
        STALE_IF_ERROR,
        /** Past every window: the cache no longer returns it. */
        EXPIRED
    }

    /**
     * The state at {@code nowMillis}.
     *
     * @param nowMillis epoch ms.
     * @return the state.
     */
    public State state(final long nowMillis)
    {
        if (freshUntilMillis == 0 || nowMillis < freshUntilMillis)
        {
            return State.FRESH;
        }
        if (nowMillis < staleWhileRevalidateUntilMillis)
        {
            return State.STALE_WHILE_REVALIDATE;
        }
        if (nowMillis < staleIfErrorUntilMillis)
        {
            return State.STALE_IF_ERROR;
        }
        return State.EXPIRED;
    }

    /**
     * When the entry stops being servable at all: the end of the latest window.
     *
     * @return epoch ms, 0 for never.
     */
    public long hardExpiryMillis()
    {
        if (freshUntilMillis == 0)
        {
            return 0;
        }
        return Math.max(freshUntilMillis, Math.max(staleWhileRevalidateUntilMillis, staleIfErrorUntilMillis));
    }
}
