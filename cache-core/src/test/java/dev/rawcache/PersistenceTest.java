package dev.rawcache;

import dev.rawcache.io.CacheIoException;
import dev.rawcache.recovery.CheckpointDescriptor;
import dev.rawcache.recovery.CheckpointPointer;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Restart: a clean close brings back every entry with its bytes, TTL and LRU order; a copy of the file taken while
 * the cache runs (what a process crash leaves) recovers from checkpoint and journal; damage to an entry's value or
 * header, a journal record, the newest checkpoint or both pointers is detected by checksum and the cache still opens
 * with what can be trusted; a file truncated under a running cache fails cleanly.
 */
class PersistenceTest
{
    private static final int BLOCK = 4096;

    @TempDir
    Path dir;

    private static CacheConfig.Builder builder(final Path path)
    {
        return CacheConfig.builder(path).capacityBytes(16L << 20).journalBytes(1 << 20);
    }

    private static int size(final int i)
    {
        return i % 4 == 0 ? 100_000 + i : 10 + i * 37;
    }

    private static void fill(final RawDiskCache cache, final int from, final int to)
    {
        for (int i = from; i < to; i++)
        {
            cache.store("k" + i, Values.of("k" + i, i, size(i)));
        }
    }

    private static void assertPresent(final RawDiskCache cache, final int from, final int to)
    {
        for (int i = from; i < to; i++)
        {
            Values.assertLookup("k" + i, i, size(i), cache.lookup("k" + i));
        }
    }

    /** Copies a running cache's file as a process crash would leave it: the page cache's view, unsynced. */
    private static Path crashCopy(final RawDiskCache cache, final Path to) throws Exception
    {
        cache.reclaimClosedViews();
        Files.copy(cache.config().path(), to);
        return to;
    }

    private static void flip(final Path file, final long offset) throws Exception
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            final ByteBuffer b = ByteBuffer.allocate(1);
            channel.read(b, offset);
            b.put(0, (byte)(b.get(0) ^ 0x40));
            channel.write(b.flip(), offset);
        }
    }

    private static long find(final Path file, final byte[] needle, final long from) throws Exception
    {
        final byte[] all = Files.readAllBytes(file);
        outer:
        for (long i = from; i <= all.length - needle.length; i++)
        {
            for (int j = 0; j < needle.length; j++)
            {
                if (all[(int)i + j] != needle[j])
                {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("bytes not found in " + file);
    }

    @Test
    void shouldRestoreEveryEntryItsTtlAndTheLruOrderAfterACleanClose()
    {
        final Path path = dir.resolve("clean.cache");
        final ManualClock clock = new ManualClock();
        final List<String> order;
        try (RawDiskCache cache = RawDiskCache.open(builder(path).clock(clock).build()))
        {
            fill(cache, 0, 40);
            cache.store("short-lived", Values.buffer("short-lived", 1, 500), Duration.ofMinutes(5));
            cache.lookup("k3");
            cache.lookup("k0");
            cache.lookupZeroCopy("k8").close();
            order = cache.keysInEvictionOrder();
        }
        try (RawDiskCache cache = RawDiskCache.open(builder(path).clock(clock).build()))
        {
            assertEquals(order, cache.keysInEvictionOrder(), "the next eviction picks the same victim");
            assertEquals(41, cache.stats().recoveredEntries());
            assertPresent(cache, 0, 40);
            try (CachedEntry view = cache.lookupZeroCopy("k4"))
            {
                assertTrue(view.isMapped());
                Values.assertValue("k4", 4, size(4), Values.concat(view.buffers()));
            }
            Values.assertLookup("short-lived", 1, 500, cache.lookup("short-lived"));
            clock.advance(Duration.ofMinutes(6));
            assertNull(cache.lookup("short-lived"), "its TTL came back with it");
            assertEquals(0, cache.stats().checksumFailures());
            assertEquals(0, cache.stats().recoveryFailures());
        }
    }

    @Test
    void shouldRecoverFromCheckpointAndJournalWhatARunningCacheLeaves() throws Exception
    {
        try (RawDiskCache cache = RawDiskCache.open(builder(dir.resolve("running.cache")).build()))
        {
            fill(cache, 0, 20);
            cache.checkpoint();
            fill(cache, 20, 30);
            cache.remove("k5");
            cache.store("k6", Values.of("k6", 600, 7000));
            final Path copy = crashCopy(cache, dir.resolve("crashed.cache"));
            try (RawDiskCache recovered = RawDiskCache.open(builder(copy).build()))
            {
                assertFalse(recovered.contains("k5"), "the remove in the journal was replayed");
                Values.assertLookup("k6", 600, 7000, recovered.lookup("k6"));
                assertPresent(recovered, 7, 30);
                assertEquals(29, recovered.stats().entries());
                assertEquals(0, recovered.stats().recoveryFailures());
            }
        }
    }

    @Test
    void shouldTreatADamagedValueOrHeaderOfARecoveredEntryAsAMissAndReclaimItsBlocks() throws Exception
    {
        final Path path = dir.resolve("damaged.cache");
        try (RawDiskCache cache = RawDiskCache.open(builder(path).build()))
        {
            fill(cache, 0, 12);
        }
        final byte[] large = Values.of("k4", 4, size(4));
        flip(path, find(path, java.util.Arrays.copyOfRange(large, 5000, 5064), 0) + 10);
        final byte[] smallKey = "k9".getBytes(StandardCharsets.UTF_8);
        final long header = find(path, Values.of("k9", 9, size(9)), 0) - 8;
        flip(path, header - 40);
        try (RawDiskCache cache = RawDiskCache.open(builder(path).build()))
        {
            final long freeBefore = cache.stats().freeBlocks();
            assertNull(cache.lookupZeroCopy("k4"), "the flipped bit in its value is caught on first read");
            assertNull(cache.lookup("k9"), "the flipped bit in its header is caught");
            assertEquals(2, cache.stats().checksumFailures());
            assertFalse(cache.contains("k4"));
            assertFalse(cache.contains("k9"));
            cache.reclaimClosedViews();
            assertTrue(cache.stats().freeBlocks() > freeBefore, "their blocks came back");
            assertPresent(cache, 0, 4);
            assertPresent(cache, 5, 9);
            assertPresent(cache, 10, 12);
            assertEquals(smallKey.length, 2);
        }
    }

    @Test
    void shouldFindAndDropEveryDamagedEntryInAScrub() throws Exception
    {
        final Path path = dir.resolve("scrub.cache");
        try (RawDiskCache cache = RawDiskCache.open(builder(path).build()))
        {
            fill(cache, 0, 30);
        }
        flip(path, find(path, java.util.Arrays.copyOfRange(Values.of("k8", 8, size(8)), 90_000, 90_064), 0) + 1);
        flip(path, find(path, Values.of("k13", 13, size(13)), 0) + 100);
        try (RawDiskCache cache = RawDiskCache.open(builder(path).build()))
        {
            final long[] lastProgress = new long[2];
            final VerifyReport report = cache.verify((checked, total, bytes, corrupt) ->
            {
                lastProgress[0] = checked;
                lastProgress[1] = total;
            });
            assertEquals(30, report.entries());
            assertEquals(2, report.corrupt());
            assertEquals(30, lastProgress[0]);
            assertEquals(30, lastProgress[1]);
            assertEquals(2, cache.stats().checksumFailures());
            assertFalse(cache.contains("k8"));
            assertFalse(cache.contains("k13"));
            assertEquals(28, cache.stats().entries());
            assertPresent(cache, 0, 8);
            assertPresent(cache, 14, 30);
        }
    }

    @Test
    void shouldStopReplayAtADamagedJournalRecordAndStillOpen() throws Exception
    {
        try (RawDiskCache cache = RawDiskCache.open(builder(dir.resolve("journal.cache")).build()))
        {
            cache.checkpoint();
            fill(cache, 0, 10);
            final Path copy = crashCopy(cache, dir.resolve("journal-crashed.cache"));
            final long ring = CheckpointDescriptor.ringOffset(BLOCK);
            final long record = find(copy, "k6".getBytes(StandardCharsets.UTF_8), ring);
            flip(copy, record);
            try (RawDiskCache recovered = RawDiskCache.open(builder(copy).build()))
            {
                assertPresent(recovered, 0, 6);
                for (int i = 6; i < 10; i++)
                {
                    assertFalse(recovered.contains("k" + i), "the log ends at the damaged record");
                }
                assertEquals(0, recovered.stats().checksumFailures());
            }
        }
    }

    @Test
    void shouldFallBackToThePreviousCheckpointWhenTheNewestIsDamaged() throws Exception
    {
        try (RawDiskCache cache = RawDiskCache.open(builder(dir.resolve("checkpoints.cache")).build()))
        {
            fill(cache, 0, 10);
            cache.checkpoint();
            fill(cache, 10, 20);
            cache.checkpoint();
            fill(cache, 20, 25);
            final Path copy = crashCopy(cache, dir.resolve("checkpoints-crashed.cache"));
            final CheckpointPointer newest = newestPointer(copy);
            flip(copy, newest.extents().firstBlock(0) * BLOCK + CheckpointDescriptor.CHECKPOINT_HEADER_LENGTH + 3);
            try (RawDiskCache recovered = RawDiskCache.open(builder(copy).build()))
            {
                assertPresent(recovered, 0, 25);
                assertEquals(1, recovered.stats().recoveryFailures(), "one damaged checkpoint");
            }
        }
    }

    @Test
    void shouldScanForEntriesWhenNoCheckpointCanBeLoaded() throws Exception
    {
        final Path path = dir.resolve("scan.cache");
        try (RawDiskCache cache = RawDiskCache.open(builder(path).build()))
        {
            fill(cache, 0, 15);
        }
        flip(path, CheckpointDescriptor.pointerOffset(0, BLOCK) + 20);
        flip(path, CheckpointDescriptor.pointerOffset(1, BLOCK) + 20);
        try (RawDiskCache cache = RawDiskCache.open(builder(path).build()))
        {
            assertPresent(cache, 0, 15);
            assertEquals(2, cache.stats().recoveryFailures(), "two damaged pointers");
        }
        try (RawDiskCache cache = RawDiskCache.open(builder(path).build()))
        {
            assertEquals(0, cache.stats().recoveryFailures(), "the scan's result was checkpointed");
            assertPresent(cache, 0, 15);
        }
    }

    @Test
    void shouldFailCleanlyWhenTheFileIsTruncatedUnderARunningCache() throws Exception
    {
        final Path path = dir.resolve("truncated.cache");
        try (RawDiskCache cache = RawDiskCache.open(builder(path).build()))
        {
            fill(cache, 0, 8);
            try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE))
            {
                channel.truncate(8 * BLOCK);
            }
            final CacheIoException e = assertThrows(CacheIoException.class, () -> cache.lookupZeroCopy("k4"));
            assertEquals(CacheIoException.Reason.IO, e.reason());
            final CacheIoException later = assertThrows(CacheIoException.class, () -> cache.lookup("k1"));
            assertTrue(later.getMessage().contains("failed"), later.getMessage());
            assertThrows(CacheIoException.class, () -> cache.store("new", new byte[10]));
        }
        assertThrows(CacheIoException.class, () -> RawDiskCache.open(builder(path).build()),
            "a truncated file is refused on reopen");
    }

    private static CheckpointPointer newestPointer(final Path file) throws Exception
    {
        CheckpointPointer newest = null;
        final long creationId = dev.rawcache.io.file.CacheFile.readSuperblock(file).creationId();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
        {
            for (int slot = 0; slot < 2; slot++)
            {
                final ByteBuffer block = ByteBuffer.allocate(BLOCK);
                channel.read(block, CheckpointDescriptor.pointerOffset(slot, BLOCK));
                final CheckpointPointer pointer = CheckpointPointer.decode(block.flip(), slot, creationId);
                if (pointer != null && (newest == null || pointer.sequence() > newest.sequence()))
                {
                    newest = pointer;
                }
            }
        }
        assertNotNull(newest);
        return newest;
    }
}
