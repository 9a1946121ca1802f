package dev.rawcache.examples;

import dev.rawcache.CacheConfig;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DemoWorkloadTest
{
    private static final int BLOCK_SIZE = 4096;

    @Test
    void shouldUseTheFullWorkloadOnTheDefaultCapacity()
    {
        assertEquals(DemoWorkload.FULL, DemoWorkload.forCapacity(ZeroCopyDemo.DEFAULT_CAPACITY_BYTES, BLOCK_SIZE));
    }

    @Test
    void shouldScaleDownToFitSmallCachesWithLargeValuesAboveTheMmapThreshold()
    {
        for (long capacity = DemoWorkload.minimumCapacity(BLOCK_SIZE); capacity <= 64L << 20; capacity += 1L << 20)
        {
            final DemoWorkload workload = DemoWorkload.forCapacity(capacity, BLOCK_SIZE);
            assertNotNull(workload, "capacity " + capacity);
            final CacheConfig config = CacheConfig.builder(Path.of("never-created.cache")).blockSize(BLOCK_SIZE)
                .capacityBytes(capacity).build();
            final long dataBlocks = config.blockCount() - 1 - config.metadataBlocks();
            assertTrue(workload.blocksNeeded(BLOCK_SIZE) < dataBlocks, workload + " in " + capacity);
            assertTrue(workload.largeSize() >= 128 * 1024 && workload.hugeSize() >= workload.largeSize(),
                workload.toString());
            assertTrue(workload.smallSize() < 64 * 1024, workload.toString());
        }
    }

    @Test
    void shouldFindNoWorkloadBelowTheMinimumCapacity()
    {
        assertNull(DemoWorkload.forCapacity(DemoWorkload.minimumCapacity(BLOCK_SIZE) / 2, BLOCK_SIZE));
    }
}
