package dev.rawcache;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Parallel range writes: eight threads fill the ranges of one 64 MiB object, which commits byte-exact; ranges cannot
 * overlap or overflow, every range needs its receipt, receipts belong to their writer, and a writer nobody follows can
 * be dropped when its requester goes away.
 */
class ParallelRangeWriteTest
{
    private static final int SIZE = 64 << 20;
    private static final int RANGE = 4 << 20;

    @TempDir
    Path dir;

    private RawDiskCache open(final String name)
    {
        return RawDiskCache.open(CacheConfig.builder(dir.resolve(name)).capacityBytes(160L << 20).build());
    }

    @Test
    void shouldCommitAnObjectFilledInRangesByEightThreads() throws Exception
    {
        final byte[] body = Values.of("big", 1, SIZE);
        try (RawDiskCache cache = open("ranges.cache");
             EntryWriter writer = cache.openWriter("big", ByteBuffer.allocate(0),
                 WriteOptions.defaults().withDeclaredLength(SIZE)))
        {
            final ConcurrentLinkedQueue<WriteRange> ranges = new ConcurrentLinkedQueue<>();
            for (int at = 0; at < SIZE; at += RANGE)
            {
                ranges.add(writer.allocateRange(RANGE));
            }
            final ExecutorService pool = Executors.newFixedThreadPool(8);
            final List<Future<List<WriteReceipt>>> work = new ArrayList<>();
            try
            {
                for (int t = 0; t < 8; t++)
                {
                    work.add(pool.submit(() ->
                    {
                        final List<WriteReceipt> receipts = new ArrayList<>();
                        WriteRange range;
                        while ((range = ranges.poll()) != null)
                        {
                            final int offset = (int)range.offset();
                            for (int at = 0; at < RANGE; at += 100_000)
                            {
                                range.write(ByteBuffer.wrap(body, offset + at, Math.min(100_000, RANGE - at)));
                            }
                            receipts.add(range.receipt());
                        }
                        return receipts;
                    }));
                }
                final List<WriteReceipt> receipts = new ArrayList<>();
                for (final Future<List<WriteReceipt>> done : work)
                {
                    receipts.addAll(done.get(60, TimeUnit.SECONDS));
                }
                assertEquals(SIZE / RANGE, receipts.size());
                writer.flushRange(receipts.getFirst());
                writer.commit(receipts.toArray(new WriteReceipt[0]));
            }
            finally
            {
                pool.shutdownNow();
            }
            try (CachedEntry view = cache.lookupZeroCopy("big"))
            {
                Values.assertValue("big", 1, SIZE, Values.concat(view.buffers()));
            }
        }
    }

    @Test
    void shouldRefuseOverflowsMissingReceiptsForeignReceiptsAndMixedWrites()
    {
        try (RawDiskCache cache = open("rules.cache"))
        {
            try (EntryWriter unknown = cache.openWriter("a", ByteBuffer.allocate(0), WriteOptions.defaults()))
            {
                assertThrows(IllegalStateException.class, () -> unknown.allocateRange(10));
            }
            final EntryWriter other = cache.openWriter("b", ByteBuffer.allocate(0),
                WriteOptions.defaults().withDeclaredLength(100));
            final WriteRange foreign = other.allocateRange(100);
            foreign.write(ByteBuffer.wrap(Values.of("b", 1, 100)));
            final WriteReceipt foreignReceipt = foreign.receipt();

            try (EntryWriter writer = cache.openWriter("k", ByteBuffer.allocate(0),
                WriteOptions.defaults().withDeclaredLength(1000)))
            {
                final WriteRange first = writer.allocateRange(600);
                final IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
                    () -> writer.allocateRange(401));
                assertTrue(tooLong.getMessage().contains("400"), tooLong.getMessage());
                final WriteRange second = writer.allocateRange(400);
                assertEquals(600, second.offset(), "ranges follow each other: no overlap is possible");
                assertThrows(IllegalStateException.class, () -> writer.write(ByteBuffer.allocate(1)));
                final byte[] body = Values.of("k", 1, 1000);
                first.write(ByteBuffer.wrap(body, 0, 600));
                final IllegalArgumentException overflow = assertThrows(IllegalArgumentException.class,
                    () -> first.write(ByteBuffer.allocate(1)));
                assertTrue(overflow.getMessage().contains("[0, 600)"), overflow.getMessage());
                second.write(ByteBuffer.wrap(body, 600, 300));
                assertThrows(IllegalStateException.class, second::receipt, "a range short of its length");
                second.write(ByteBuffer.wrap(body, 900, 100));
                assertThrows(IllegalArgumentException.class, () -> writer.commit(foreignReceipt));
                final IllegalStateException missing = assertThrows(IllegalStateException.class,
                    () -> writer.commit(first.receipt()));
                assertTrue(missing.getMessage().contains("600"), missing.getMessage());
                assertNull(cache.lookup("k"), "nothing is visible before commit");
                writer.commit(first.receipt(), second.receipt());
                Values.assertLookup("k", 1, 1000, cache.lookup("k"));
            }
            other.abort();
            assertNull(cache.lookup("b"));
        }
    }

    @Test
    void shouldKeepTheBlocksOfAWriteInProgressWhenAnotherThreadAborts() throws Exception
    {
        // Found in review: abort() freed the blocks under a range write still running, which then overwrote the
        // next entry stored in them; that entry was served with the wrong bytes.
        final int size = 32 << 20;
        try (RawDiskCache cache = RawDiskCache.open(CacheConfig.builder(dir.resolve("inflight.cache"))
            .capacityBytes(96L << 20).build()))
        {
            for (int round = 0; round < 3; round++)
            {
                final EntryWriter writer = cache.openWriter("w", ByteBuffer.allocate(0),
                    WriteOptions.defaults().withDeclaredLength(size));
                final WriteRange range = writer.allocateRange(size);
                final ByteBuffer junk = ByteBuffer.wrap(Values.of("w", round, size));
                final Thread filler = new Thread(() -> range.write(junk));
                filler.start();
                Thread.sleep(1);
                writer.abort();
                final String key = "v" + round;
                cache.store(key, Values.of(key, 1, 20 << 20));
                filler.join(30_000);
                Values.assertLookup(key, 1, 20 << 20, cache.lookup(key));
                assertTrue(cache.remove(key));
            }
            cache.reclaimClosedViews();
            assertEquals(cache.stats().checkpointBlocks(), cache.stats().usedBlocks(), "nothing leaked or freed twice");
        }
    }

    @Test
    void shouldDropAWriterNobodyFollowsButKeepOneThatReadersFollow()
    {
        try (RawDiskCache cache = open("unfollowed.cache"))
        {
            final EntryWriter lonely = cache.openWriter("a", ByteBuffer.allocate(0), WriteOptions.defaults());
            lonely.write(ByteBuffer.wrap(Values.of("a", 1, 10_000)));
            assertEquals(0, lonely.followers());
            assertTrue(lonely.abortIfUnfollowed());
            assertFalse(lonely.isOpen());

            final EntryWriter watched = cache.openWriter("b", ByteBuffer.allocate(0), WriteOptions.defaults());
            watched.write(ByteBuffer.wrap(Values.of("b", 1, 10_000)));
            try (EntryReader follower = cache.openReader("b"))
            {
                assertEquals(1, watched.followers());
                assertFalse(watched.abortIfUnfollowed(), "a reader still wants the body");
                watched.commit();
                final ByteBuffer all = ByteBuffer.allocate(10_000);
                while (follower.read(all) >= 0)
                {
                    // read to the end of the body
                }
                Values.assertValue("b", 1, 10_000, all.array());
            }
        }
    }
}
