package dev.rawcache.read;

import dev.rawcache.io.Checks;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Chooses, per value size class, the faster of the two ways a lookup copies a value out: a positional
 * {@code FileChannel.read} or a copy out of the mapped file. A fixed threshold guesses which is faster; this measures
 * it on the live workload.
 * <p>
 * <b>The problem.</b> Which path wins depends on the machine (system call cost, page-table and TLB behaviour, how
 * hot the mapping is), not just on the value size: on the machine this was built on the mapped copy was 1.7x faster
 * at 4 KiB, which the default 64 KiB threshold sends down the positional path.
 * <p>
 * <b>The choice.</b> Values fall into size classes by powers of two. A lookup is timed with probability
 * 1/{@link #SAMPLE_ONE_IN}; half of the timed lookups take the path not currently chosen (exploration), so both
 * paths keep fresh measurements. Each class keeps an exponentially weighted moving average (weight 1/16) of the
 * nanoseconds per lookup of each path; the class switches when the other path's average is at least
 * {@link #SWITCH_MARGIN_PERCENT}% lower (hysteresis, so noise does not flap it). Until both paths of a class have
 * {@link #MIN_SAMPLES} samples the class follows the configured threshold. Untimed lookups cost one array read.
 * <p>
 * <b>The trade-off.</b> 1/64 of lookups carry two {@code nanoTime} calls, and half of those take the slower path on
 * purpose: at most ~0.8% of lookups, a cost of under 1% when the paths differ by 2x. Updates race benignly (a lost
 * sample changes nothing that matters).
 * <p>
 * Thread-safe.
 */
public final class AdaptiveThreshold
{
    /** One lookup in this many is timed. */
    public static final int SAMPLE_ONE_IN = 64;
    /** How much faster (in percent) the other path must be for a size class to switch. */
    public static final int SWITCH_MARGIN_PERCENT = 5;
    /** Samples each path of a size class needs before the class may switch. */
    public static final int MIN_SAMPLES = 8;

    private static final int CLASSES = 64;
    private static final int EWMA_SHIFT = 4;
    private static final int POSITIONAL = 0;
    private static final int MAPPED = 1;

    /** Per class and path: the EWMA of nanoseconds per lookup, scaled by 2^EWMA_SHIFT. */
    private final AtomicLongArray averages = new AtomicLongArray(CLASSES * 2);
    private final AtomicLongArray samples = new AtomicLongArray(CLASSES * 2);
    /** Per class: 1 when the mapped path is chosen. */
    private final AtomicLongArray mapped = new AtomicLongArray(CLASSES);

    /**
     * A chooser that starts from a fixed threshold.
     *
     * @param initialThreshold the value size from which the mapped path is chosen until measurements say otherwise.
     */
    public AdaptiveThreshold(final int initialThreshold)
    {
        Checks.requireArgument(initialThreshold >= 0, "initial threshold %d must not be negative", initialThreshold);
        for (int c = 0; c < CLASSES; c++)
        {
            // A class holds sizes in (2^(c-1), 2^c]: it is mapped when its largest size reaches the threshold.
            final long largest = c >= 63 ? Long.MAX_VALUE : 1L << c;
            mapped.set(c, largest >= initialThreshold ? 1 : 0);
        }
    }

    /**
     * The size class of a value length.
     *
     * @param valueLength bytes.
     * @return the class, 0 to 63.
     */
    public static int sizeClass(final long valueLength)
    {
        return valueLength <= 1 ? 0 : 64 - Long.numberOfLeadingZeros(valueLength - 1);
    }

    /**
     * What to do for one lookup of a value of this length.
     *
     * @param valueLength bytes.
     * @return {@link Decision#MAPPED} or {@link Decision#POSITIONAL}, and whether to time it.
     */
    public Decision decide(final long valueLength)
    {
        final int c = sizeClass(valueLength);
        final boolean chosenMapped = mapped.get(c) != 0;
        final ThreadLocalRandom random = ThreadLocalRandom.current();
        if (random.nextInt(SAMPLE_ONE_IN) != 0)
        {
            return chosenMapped ? Decision.MAPPED : Decision.POSITIONAL;
        }
        final boolean explore = random.nextBoolean();
        return chosenMapped != explore ? Decision.MAPPED_TIMED : Decision.POSITIONAL_TIMED;
    }

    /**
     * Records a timed lookup and switches its size class if the other path has become faster.
     *
     * @param valueLength  bytes.
     * @param wasMapped    whether it took the mapped path.
     * @param elapsedNanos how long it took.
     */
    public void record(final long valueLength, final boolean wasMapped, final long elapsedNanos)
    {
        final int c = sizeClass(valueLength);
        final int slot = c * 2 + (wasMapped ? MAPPED : POSITIONAL);
        final long scaled = Math.max(0, elapsedNanos) << EWMA_SHIFT;
        final long n = samples.incrementAndGet(slot);
        final long old = averages.get(slot);
        averages.set(slot, n == 1 ? scaled : old + ((scaled - old) >> EWMA_SHIFT));
        if (samples.get(c * 2 + POSITIONAL) < MIN_SAMPLES || samples.get(c * 2 + MAPPED) < MIN_SAMPLES)
        {
            return;
        }
        final long positional = averages.get(c * 2 + POSITIONAL);
        final long map = averages.get(c * 2 + MAPPED);
        if (mapped.get(c) != 0)
        {
            if (positional * 100 < map * (100 - SWITCH_MARGIN_PERCENT))
            {
                mapped.set(c, 0);
            }
        }
        else if (map * 100 < positional * (100 - SWITCH_MARGIN_PERCENT))
        {
            mapped.set(c, 1);
        }
    }

    /**
     * Whether values of this length are now read through the mapping.
     *
     * @param valueLength bytes.
     * @return true for the mapped path.
     */
    public boolean isMapped(final long valueLength)
    {
        return mapped.get(sizeClass(valueLength)) != 0;
    }

    /**
     * The threshold in effect: the smallest class boundary from which every larger class is read through the
     * mapping (classes below may still be mapped one by one).
     *
     * @return bytes; {@link Integer#MAX_VALUE} when the largest classes are positional.
     */
    public long effectiveThreshold()
    {
        int c = CLASSES - 1;
        while (c >= 0 && mapped.get(c) != 0)
        {
            c--;
        }
        if (c == CLASSES - 1)
        {
            return Integer.MAX_VALUE;
        }
        return c < 0 ? 0 : (1L << c) + 1;
    }

    /**
     * The average time of one path in one size class, for reports and tests.
     *
     * @param valueLength a length in the class.
     * @param ofMapped    the mapped path's average, else the positional one's.
     * @return nanoseconds, or -1 before any sample.
     */
    public long averageNanos(final long valueLength, final boolean ofMapped)
    {
        final int slot = sizeClass(valueLength) * 2 + (ofMapped ? MAPPED : POSITIONAL);
        return samples.get(slot) == 0 ? -1 : averages.get(slot) >> EWMA_SHIFT;
    }

    /**
     * A lookup's path, and whether it is timed.
     */
    public enum Decision
    {
        /** Positional read, untimed. */
        POSITIONAL,
        /** Mapped copy, untimed. */
        MAPPED,
        /** Positional read, timed. */
        POSITIONAL_TIMED,
        /** Mapped copy, timed. */
        MAPPED_TIMED;

        /**
         * Whether this decision takes the mapped path.
         *
         * @return true for a mapped copy.
         */
        public boolean mapped()
        {
            return this == MAPPED || this == MAPPED_TIMED;
        }

        /**
         * Whether this lookup is to be timed and recorded.
         *
         * @return true for a timed decision.
         */
        public boolean timed()
        {
            return this == POSITIONAL_TIMED || this == MAPPED_TIMED;
        }
    }
}
