package dev.rawcache.read;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The chooser with synthetic timings: it starts from the configured threshold, moves a size class to the path that
 * measures faster by more than the margin, keeps it there against noise within the margin, and moves it back.
 */
class AdaptiveThresholdTest
{
    private static void feed(final AdaptiveThreshold chooser, final long length, final long positionalNanos,
                             final long mappedNanos, final int samples)
    {
        for (int i = 0; i < samples; i++)
        {
            chooser.record(length, false, positionalNanos);
            chooser.record(length, true, mappedNanos);
        }
    }

    @Test
    void shouldStartFromTheConfiguredThresholdRoundedToSizeClasses()
    {
        final AdaptiveThreshold chooser = new AdaptiveThreshold(65536);
        assertFalse(chooser.isMapped(4096));
        assertFalse(chooser.isMapped(32768));
        assertTrue(chooser.isMapped(65536));
        assertTrue(chooser.isMapped(1 << 20));
        assertEquals(32769, chooser.effectiveThreshold());
        assertEquals(0, new AdaptiveThreshold(0).effectiveThreshold());
    }

    @Test
    void shouldMoveASizeClassToTheFasterPathAndBack()
    {
        final AdaptiveThreshold chooser = new AdaptiveThreshold(65536);
        feed(chooser, 4096, 2000, 1000, AdaptiveThreshold.MIN_SAMPLES);
        assertTrue(chooser.isMapped(4096), "mapped copies measured 2x faster at 4 KiB");
        assertTrue(chooser.isMapped(3000), "the whole class (2 KiB, 4 KiB] moves");
        assertFalse(chooser.isMapped(8192), "other classes keep their own choice");
        assertEquals(1000, chooser.averageNanos(4096, true));

        feed(chooser, 4096, 990, 1000, 200);
        assertTrue(chooser.isMapped(4096), "a difference within the margin does not switch");

        feed(chooser, 4096, 500, 1000, 200);
        assertFalse(chooser.isMapped(4096), "positional reads measured 2x faster: back");
    }

    @Test
    void shouldWaitForSamplesOfBothPathsBeforeSwitching()
    {
        final AdaptiveThreshold chooser = new AdaptiveThreshold(65536);
        for (int i = 0; i < 100; i++)
        {
            chooser.record(4096, true, 10);
        }
        assertFalse(chooser.isMapped(4096), "no positional samples yet");
        assertEquals(-1, chooser.averageNanos(4096, false));
    }

    @Test
    void shouldExploreTheOtherPathOnSomeTimedLookups()
    {
        final AdaptiveThreshold chooser = new AdaptiveThreshold(65536);
        int timed = 0;
        int explored = 0;
        for (int i = 0; i < 100_000; i++)
        {
            final AdaptiveThreshold.Decision d = chooser.decide(4096);
            if (d.timed())
            {
                timed++;
                explored += d.mapped() ? 1 : 0;
            }
            else
            {
                assertFalse(d.mapped(), "untimed lookups take the chosen path");
            }
        }
        assertTrue(timed > 100_000 / AdaptiveThreshold.SAMPLE_ONE_IN / 2 && timed < 100_000 /
            AdaptiveThreshold.SAMPLE_ONE_IN * 2, "about one lookup in 64 is timed: " + timed);
        assertTrue(explored > timed / 4 && explored < timed * 3 / 4, "about half of them explore: " + explored);
    }

    @Test
    void shouldClassifySizesByPowersOfTwo()
    {
        assertEquals(0, AdaptiveThreshold.sizeClass(0));
        assertEquals(0, AdaptiveThreshold.sizeClass(1));
        assertEquals(12, AdaptiveThreshold.sizeClass(4096));
        assertEquals(13, AdaptiveThreshold.sizeClass(4097));
        assertEquals(20, AdaptiveThreshold.sizeClass(1 << 20));
    }
}
