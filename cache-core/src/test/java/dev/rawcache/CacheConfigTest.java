package dev.rawcache;

import dev.rawcache.stats.CountersFileDescriptor;

import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;

import org.junit.jupiter.api.Test;

import static dev.rawcache.RawDiskCacheArgumentTest.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Covers the configuration builder: its defaults, and refusals of bad geometry and policy that name the value and
 * the limit.
 */
class CacheConfigTest
{
    private static final Path PATH = Path.of("/tmp/never-created/config.cache");

    @Test
    void shouldDefaultToOneGibibyteOfFourKibibyteBlocksMappedFromSixtyFourKibibytes()
    {
        final CacheConfig config = CacheConfig.builder(PATH).build();
        assertEquals(1L << 30, config.capacityBytes());
        assertEquals(4096, config.blockSize());
        assertEquals((1L << 30) / 4096, config.blockCount());
        assertEquals(64 * 1024, config.mmapThreshold());
        assertNull(config.defaultTtl());
        assertFalse(config.reformatIfIncompatible());
        assertTrue(config.zeroCopy());
        assertEquals(CountersFileDescriptor.countersFileOf(PATH), config.countersFile());
        assertEquals(PATH.toAbsolutePath() + ".counters", config.countersFile().toString());
        assertSame(InstantSource.system(), config.clock());
    }

    @Test
    void shouldRefuseABlockSizeThatIsNotAPowerOfTwoNamingItAndTheRange()
    {
        assertRefused(() -> CacheConfig.builder(PATH).blockSize(3000), "3000", "power of two", "512", "1048576");
        assertRefused(() -> CacheConfig.builder(PATH).blockSize(0), "0");
        assertRefused(() -> CacheConfig.builder(PATH).blockSize(-4096), "-4096");
    }

    @Test
    void shouldRefuseABlockSizeOutsideTheRangeNamingItAndTheRange()
    {
        assertRefused(() -> CacheConfig.builder(PATH).blockSize(256), "256", "512", "1048576");
        assertRefused(() -> CacheConfig.builder(PATH).blockSize(2 << 20), "2097152", "512", "1048576");
        assertEquals(512, CacheConfig.builder(PATH).blockSize(512).capacityBytes(16 * 512).build().blockSize());
        assertEquals(1 << 20, CacheConfig.builder(PATH).blockSize(1 << 20).capacityBytes(16L << 20).build()
            .blockSize());
    }

    @Test
    void shouldRefuseACapacityOfFewerThanSixteenBlocksNamingBoth()
    {
        assertRefused(() -> CacheConfig.builder(PATH).capacityBytes(15 * 4096).build(), "61440", "15", "16",
            "65536");
        assertRefused(() -> CacheConfig.builder(PATH).blockSize(8192).capacityBytes(16 * 4096).build(), "8", "16");
        assertRefused(() -> CacheConfig.builder(PATH).capacityBytes(0), "0");
        assertRefused(() -> CacheConfig.builder(PATH).capacityBytes(-1), "-1");
        assertEquals(16, CacheConfig.builder(PATH).capacityBytes(16 * 4096 + 4095).build().blockCount(),
            "capacity is rounded down to whole blocks");
    }

    @Test
    void shouldRefuseANegativeMmapThresholdAndAcceptZeroAndMaximum()
    {
        assertRefused(() -> CacheConfig.builder(PATH).mmapThreshold(-1), "-1");
        assertEquals(0, CacheConfig.builder(PATH).mmapThreshold(0).build().mmapThreshold());
        assertEquals(Integer.MAX_VALUE, CacheConfig.builder(PATH).mmapThreshold(Integer.MAX_VALUE).build()
            .mmapThreshold());
    }

    @Test
    void shouldRefuseANegativeOrZeroDefaultTtlNamingItAndTheMinimum()
    {
        assertRefused(() -> CacheConfig.builder(PATH).defaultTtl(Duration.ofMinutes(-1)), "PT-1M", "1 ms");
        assertRefused(() -> CacheConfig.builder(PATH).defaultTtl(Duration.ZERO), "PT0S", "1 ms");
        assertEquals(Duration.ofMillis(1), CacheConfig.builder(PATH).defaultTtl(Duration.ofMillis(1)).build()
            .defaultTtl());
    }

    @Test
    void shouldAcceptADefaultTtlTooLongToCountInMilliseconds()
    {
        final Duration forever = ChronoUnit.FOREVER.getDuration();
        assertEquals(forever, CacheConfig.builder(PATH).defaultTtl(forever).build().defaultTtl());
    }

    @Test
    void shouldRefuseNullPathClockAndCountersFile()
    {
        assertThrows(NullPointerException.class, () -> CacheConfig.builder(null));
        assertThrows(NullPointerException.class, () -> CacheConfig.builder(PATH).clock(null));
        assertThrows(NullPointerException.class, () -> CacheConfig.builder(PATH).countersFile(null));
    }
}
