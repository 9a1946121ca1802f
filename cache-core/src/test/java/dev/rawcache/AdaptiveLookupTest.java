package dev.rawcache;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Lookups with the adaptive threshold: whichever path each size class takes (and however often it switches while
 * both are measured), every lookup returns its value byte-exact; the effective threshold is reported; without the
 * option the configured threshold stands.
 */
class AdaptiveLookupTest
{
    @TempDir
    Path dir;

    @Test
    void shouldReturnEveryValueByteExactWhileBothPathsAreMeasured()
    {
        final int[] sizes = {1, 100, 4095, 4096, 4097, 30_000, 65_536, 200_000};
        try (RawDiskCache cache = RawDiskCache.open(CacheConfig.builder(dir.resolve("adaptive.cache"))
            .capacityBytes(64L << 20).adaptiveThreshold(true).build()))
        {
            assertTrue(cache.config().adaptiveThreshold());
            for (final int size : sizes)
            {
                cache.store("k" + size, Values.of("k" + size, size, size));
            }
            for (int round = 0; round < 2_000; round++)
            {
                for (final int size : sizes)
                {
                    Values.assertLookup("k" + size, size, size, cache.lookup("k" + size));
                }
            }
            final long threshold = cache.effectiveMmapThreshold();
            assertTrue(threshold >= 0 && threshold <= Integer.MAX_VALUE, "threshold " + threshold);
            assertEquals(0, cache.stats().checksumFailures());
        }
    }

    @Test
    void shouldKeepTheConfiguredThresholdWithoutTheOption()
    {
        try (RawDiskCache cache = RawDiskCache.open(CacheConfig.builder(dir.resolve("fixed.cache"))
            .capacityBytes(16L << 20).mmapThreshold(8192).build()))
        {
            assertEquals(8192, cache.effectiveMmapThreshold());
        }
        try (RawDiskCache cache = RawDiskCache.open(CacheConfig.builder(dir.resolve("nomap.cache"))
            .capacityBytes(16L << 20).zeroCopy(false).adaptiveThreshold(true).build()))
        {
            assertEquals(Integer.MAX_VALUE, cache.effectiveMmapThreshold(), "without a mapping nothing is mapped");
        }
    }
}
