package dev.rawcache.stats;

import dev.rawcache.CacheConfig;
import dev.rawcache.CacheStats;
import dev.rawcache.CachedEntry;
import dev.rawcache.ChildJvm;
import dev.rawcache.RawDiskCache;
import dev.rawcache.ZeroCopyStats;
import dev.rawcache.io.CacheIoException;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Covers reading a running cache's counters file from another JVM and from this one: every counter equals the
 * cache's own statistics, and the owner is reported running until it closes.
 */
class CountersFileReaderTest
{
    private static final int BLOCK = CacheConfig.DEFAULT_BLOCK_SIZE;

    @TempDir
    Path dir;

    @Test
    void shouldShowEveryCounterOfARunningCacheToAnotherJvm() throws Exception
    {
        final Path path = dir.resolve("watched.cache");
        final CacheConfig config = quietConfig(path);
        final Map<CacheCounter, Long> expected;
        final RawDiskCache cache = RawDiskCache.open(config);
        try (cache)
        {
            exercise(cache);
            expected = counters(cache.stats(), cache.zeroCopyStats());
            final Map<String, String> child = ChildJvm.run(dir, CountersDumpMain.class,
                config.countersFile().toString());
            assertEquals("true", child.get("ownerRunning"), "the owner is running");
            assertEquals(Long.toString(ProcessHandle.current().pid()), child.get("ownerPid"));
            assertEquals(Long.toString(cache.superblock().creationId()), child.get("creationId"));
            for (final CacheCounter counter : CacheCounter.values())
            {
                assertEquals(Long.toString(expected.get(counter)), child.get(counter.name()),
                    "counter " + counter + " seen from another JVM");
            }
        }
        // Closing writes a final checkpoint: that moves the checkpoint counters, and nothing else here.
        final Map<CacheCounter, Long> closed = counters(cache.stats(), cache.zeroCopyStats());
        assertEquals(expected.get(CacheCounter.CHECKPOINTS) + 1, closed.get(CacheCounter.CHECKPOINTS),
            "close writes one checkpoint");
        final Map<String, String> afterClose = ChildJvm.run(dir, CountersDumpMain.class,
            config.countersFile().toString());
        assertEquals("false", afterClose.get("ownerRunning"), "a closed cache is not running");
        assertEquals("true", afterClose.get("ownerClosed"));
        for (final CacheCounter counter : CacheCounter.values())
        {
            assertEquals(Long.toString(closed.get(counter)), afterClose.get(counter.name()),
                "counter " + counter + " keeps its last value after close");
            if (counter != CacheCounter.CHECKPOINTS && counter != CacheCounter.CHECKPOINT_BLOCKS)
            {
                assertEquals(expected.get(counter), closed.get(counter),
                    "counter " + counter + " is not changed by close");
            }
        }
    }

    @Test
    void shouldReadTheSameCountersInThisJvmAndNoticeAReopenedCache() throws Exception
    {
        final Path path = dir.resolve("local.cache");
        final CacheConfig config = quietConfig(path);
        final long entriesAtClose;
        try (RawDiskCache cache = RawDiskCache.open(config);
             CountersFileReader reader = CountersFileReader.open(config.countersFile()))
        {
            exercise(cache);
            final Map<CacheCounter, Long> expected = counters(cache.stats(), cache.zeroCopyStats());
            assertEquals(expected, reader.counters());
            assertTrue(reader.isOwnerRunning());
            assertFalse(reader.isStale());
            assertEquals(CacheCounter.values().length, reader.snapshot().size());
            assertEquals(expected.get(CacheCounter.HITS), reader.snapshot().get("rawcache hits"));
            cache.store("one-more", new byte[10]);
            assertEquals(expected.get(CacheCounter.STORES) + 1, reader.get(CacheCounter.STORES), "live values");
            entriesAtClose = cache.stats().entries();
        }
        try (CountersFileReader old = CountersFileReader.open(config.countersFile()))
        {
            assertTrue(old.isClosed());
            try (RawDiskCache reopened = RawDiskCache.open(config))
            {
                assertTrue(old.isStale(), "a reopen makes a new counters file");
                try (CountersFileReader fresh = CountersFileReader.open(config.countersFile()))
                {
                    assertTrue(fresh.isOwnerRunning());
                    assertEquals(0, fresh.get(CacheCounter.STORES));
                    assertEquals(reopened.stats().freeBlocks(), fresh.get(CacheCounter.FREE_BLOCKS));
                    assertEquals(entriesAtClose, fresh.get(CacheCounter.RECOVERED_ENTRIES),
                        "the reopened cache restored every entry");
                    assertEquals(entriesAtClose, fresh.get(CacheCounter.ENTRIES));
                    assertEquals(0, fresh.get(CacheCounter.RECOVERY_FAILURES));
                    assertEquals(reopened.stats().checkpointBlocks(), fresh.get(CacheCounter.CHECKPOINT_BLOCKS));
                }
            }
        }
    }

    @Test
    void shouldRefuseAFileThatIsNotACountersFile() throws Exception
    {
        final Path notCounters = dir.resolve("not.counters");
        Files.write(notCounters, new byte[CountersFileDescriptor.FILE_LENGTH]);
        final CacheIoException zeros = assertThrows(CacheIoException.class,
            () -> CountersFileReader.open(notCounters));
        assertEquals(CacheIoException.Reason.FORMAT, zeros.reason());
        final Path tooShort = dir.resolve("short.counters");
        Files.write(tooShort, new byte[100]);
        final CacheIoException shortFile = assertThrows(CacheIoException.class,
            () -> CountersFileReader.open(tooShort));
        assertEquals(CacheIoException.Reason.FORMAT, shortFile.reason());
        assertTrue(shortFile.getMessage().contains("100"), shortFile.getMessage());
    }

    /**
     * Moves every counter the test can move without failures: stores, overwrites, evictions, hits of every kind,
     * misses, removals.
     */
    private void exercise(final RawDiskCache cache) throws Exception
    {
        for (int i = 0; i < 30; i++)
        {
            cache.store("key-" + i, new byte[5 * BLOCK + i]);
        }
        cache.store("small", new byte[100]);
        assertNotNull(cache.lookup("small"));
        assertNull(cache.lookup("absent"));
        cache.store("big", new byte[20 * BLOCK]);
        try (CachedEntry mapped = cache.lookupZeroCopy("big"); CachedEntry copied = cache.lookupZeroCopy("small"))
        {
            assertTrue(mapped.isMapped());
            assertFalse(copied.isMapped());
        }
        try (FileChannel out = FileChannel.open(dir.resolve("sink"), StandardOpenOption.CREATE,
            StandardOpenOption.WRITE))
        {
            assertEquals(20 * BLOCK, cache.transferTo("big", out));
        }
        assertTrue(cache.remove("small"));
        cache.store("buffer", ByteBuffer.allocate(10));
        assertTrue(cache.stats().evictions() > 0);
        // Return the blocks of dead entries now, not in the background while the counters are being compared.
        cache.reclaimClosedViews();
    }

    /**
     * 64 blocks' worth of data region (checkpoint spare included) and a journal so large that no checkpoint runs in
     * the background, so the counters hold still between the snapshot and the reader.
     */
    private static CacheConfig quietConfig(final Path path)
    {
        final long journalBytes = 8L << 20;
        return CacheConfig.builder(path).journalBytes(journalBytes)
            .capacityBytes((1 + 2 + journalBytes / BLOCK + 63) * BLOCK).build();
    }

    private static Map<CacheCounter, Long> counters(final CacheStats stats, final ZeroCopyStats zeroCopy)
    {
        final Map<CacheCounter, Long> values = new EnumMap<>(CacheCounter.class);
        values.put(CacheCounter.ENTRIES, stats.entries());
        values.put(CacheCounter.HITS, stats.hits());
        values.put(CacheCounter.MISSES, stats.misses());
        values.put(CacheCounter.STORES, stats.stores());
        values.put(CacheCounter.STORE_BYTES, stats.storeBytes());
        values.put(CacheCounter.STORE_FAILURES, stats.storeFailures());
        values.put(CacheCounter.EVICTIONS, stats.evictions());
        values.put(CacheCounter.EXPIRATIONS, stats.expirations());
        values.put(CacheCounter.REMOVALS, stats.removals());
        values.put(CacheCounter.USED_BLOCKS, stats.usedBlocks());
        values.put(CacheCounter.FREE_BLOCKS, stats.freeBlocks());
        values.put(CacheCounter.CHECKSUM_FAILURES, stats.checksumFailures());
        values.put(CacheCounter.IO_ERRORS, stats.ioErrors());
        values.put(CacheCounter.MMAP_READS, zeroCopy.mmapReads());
        values.put(CacheCounter.MMAP_BYTES, zeroCopy.mmapBytes());
        values.put(CacheCounter.MMAP_SKIPPED, zeroCopy.mmapSkipped());
        values.put(CacheCounter.SENDFILE_TRANSFERS, zeroCopy.sendfileTransfers());
        values.put(CacheCounter.SENDFILE_BYTES, zeroCopy.sendfileBytes());
        values.put(CacheCounter.CHECKPOINTS, stats.checkpoints());
        values.put(CacheCounter.CHECKPOINT_BLOCKS, stats.checkpointBlocks());
        values.put(CacheCounter.RECOVERED_ENTRIES, stats.recoveredEntries());
        values.put(CacheCounter.RECOVERY_FAILURES, stats.recoveryFailures());
        values.put(CacheCounter.PURGES, stats.purges());
        values.put(CacheCounter.METADATA_UPDATES, stats.metadataUpdates());
        assertEquals(CacheCounter.values().length, values.size(), "every counter is mapped to a statistic");
        return values;
    }
}
