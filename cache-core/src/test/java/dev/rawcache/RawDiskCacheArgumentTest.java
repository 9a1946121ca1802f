package dev.rawcache;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.temporal.ChronoUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import static dev.rawcache.Values.assertLookup;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Covers bad arguments and use after close: each call is refused with an exception whose message names the value
 * and the limit, and nothing already stored is lost.
 */
class RawDiskCacheArgumentTest
{
    private static final String KEPT = "kept";
    private static final int KEPT_SIZE = 10_000;
    private static final long BLOCKS = 64;

    @TempDir
    Path dir;

    private RawDiskCache cache;
    private FileChannel out;

    @BeforeEach
    void openWithOneEntry() throws IOException
    {
        cache = RawDiskCache.open(CacheConfig.builder(dir.resolve("args.cache"))
            .capacityBytes(BLOCKS * CacheConfig.DEFAULT_BLOCK_SIZE).build());
        cache.store(KEPT, Values.of(KEPT, 1, KEPT_SIZE));
        out = FileChannel.open(dir.resolve("out"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    }

    @AfterEach
    void close() throws IOException
    {
        out.close();
        cache.close();
    }

    @Test
    void shouldRefuseANullKeyOnEveryCall()
    {
        assertRefused(() -> cache.store(null, new byte[1]), "null");
        assertRefused(() -> cache.store(null, ByteBuffer.allocate(1)), "null");
        assertRefused(() -> cache.lookup(null), "null");
        assertRefused(() -> cache.lookupZeroCopy(null), "null");
        assertRefused(() -> cache.transferTo(null, out), "null");
        assertRefused(() -> cache.remove(null), "null");
        assertRefused(() -> cache.contains(null), "null");
        assertKeptIntact();
    }

    @Test
    void shouldRefuseAnEmptyKeyOnEveryCall()
    {
        assertRefused(() -> cache.store("", new byte[1]), "empty");
        assertRefused(() -> cache.lookup(""), "empty");
        assertRefused(() -> cache.lookupZeroCopy(""), "empty");
        assertRefused(() -> cache.transferTo("", out), "empty");
        assertRefused(() -> cache.remove(""), "empty");
        assertRefused(() -> cache.contains(""), "empty");
        assertKeptIntact();
    }

    @Test
    void shouldAcceptAKeyOfExactlyTheLimitAndRefuseOneByteMoreNamingBoth()
    {
        final String longest = "k".repeat(RawDiskCache.MAX_KEY_BYTES);
        cache.store(longest, Values.of(longest, 1, 100));
        assertLookup(longest, 1, 100, cache.lookup(longest));

        final String tooLong = "k".repeat(RawDiskCache.MAX_KEY_BYTES + 1);
        assertRefused(() -> cache.store(tooLong, new byte[1]), "2048", "2049");
        assertRefused(() -> cache.lookup(tooLong), "2048", "2049");
        final String multiByte = "\u20ac".repeat(683);
        assertRefused(() -> cache.store(multiByte, new byte[1]), "2048", "2049");
        assertRefused(() -> cache.contains(multiByte), "2048", "2049");
        assertKeptIntact(2);
    }

    @Test
    void shouldRefuseANullValueAndKeepTheOldEntry()
    {
        assertRefused(() -> cache.store(KEPT, (byte[])null), "null", KEPT);
        assertRefused(() -> cache.store(KEPT, (ByteBuffer)null), "null", KEPT);
        assertRefused(() -> cache.store(KEPT, null, Duration.ofSeconds(1)), "null", KEPT);
        assertKeptIntact();
    }

    @Test
    void shouldRefuseAValueLargerThanTheCacheNamingItsSizeAndTheCapacity()
    {
        final long dataBlocks = cache.superblock().dataBlockCount();
        final int tooBig = (int)(dataBlocks * CacheConfig.DEFAULT_BLOCK_SIZE);
        assertRefused(() -> cache.store(KEPT, new byte[tooBig]), Integer.toString(tooBig), Long.toString(dataBlocks));
        assertRefused(() -> cache.store("other", ByteBuffer.allocateDirect(tooBig)), Integer.toString(tooBig));
        assertKeptIntact();
    }

    @Test
    void shouldRefuseANegativeOrZeroTtlNamingItAndTheMinimum()
    {
        assertRefused(() -> cache.store(KEPT, ByteBuffer.allocate(1), Duration.ofSeconds(-1)), "PT-1S", "1 ms");
        assertRefused(() -> cache.store(KEPT, ByteBuffer.allocate(1), Duration.ZERO), "PT0S", "1 ms");
        assertRefused(() -> cache.store(KEPT, ByteBuffer.allocate(1), Duration.ofNanos(999_999)), "1 ms");
        assertKeptIntact();
    }

    @Test
    void shouldAcceptATtlTooLongToCountInMilliseconds()
    {
        final Duration forever = ChronoUnit.FOREVER.getDuration();
        cache.store("forever", ByteBuffer.wrap(Values.of("forever", 1, 100)), forever);
        assertLookup("forever", 1, 100, cache.lookup("forever"));
        assertKeptIntact(2);
    }

    @Test
    void shouldRefuseNegativeAndOutOfRangeTransferRangesAndANullTarget()
    {
        assertRefused(() -> cache.transferTo(KEPT, -1, 1, out), "-1");
        assertRefused(() -> cache.transferTo(KEPT, 0, -1, out), "-1");
        assertRefused(() -> cache.transferTo(KEPT, KEPT_SIZE, 1, out), Integer.toString(KEPT_SIZE));
        assertRefused(() -> cache.transferTo(KEPT, KEPT_SIZE + 1, 0, out), Integer.toString(KEPT_SIZE + 1));
        assertRefused(() -> cache.transferTo(KEPT, null), "null");
        assertKeptIntact();
    }

    @Test
    void shouldThrowIllegalStateOnEveryCallAfterClose()
    {
        cache.close();
        assertTrue(cache.isClosed());
        assertClosed(() -> cache.store(KEPT, new byte[1]));
        assertClosed(() -> cache.store("new", ByteBuffer.allocate(1), null));
        assertClosed(() -> cache.lookup(KEPT));
        assertClosed(() -> cache.lookupZeroCopy(KEPT));
        assertClosed(() -> cache.transferTo(KEPT, out));
        assertClosed(() -> cache.transferTo(KEPT, 0, 1, out));
        assertClosed(() -> cache.remove(KEPT));
        assertClosed(() -> cache.contains(KEPT));
        assertClosed(cache::keysInEvictionOrder);
        cache.close();
    }

    private void assertKeptIntact()
    {
        assertKeptIntact(1);
    }

    private void assertKeptIntact(final long acceptedStores)
    {
        assertTrue(cache.contains(KEPT));
        assertLookup(KEPT, 1, KEPT_SIZE, cache.lookup(KEPT));
        assertEquals(acceptedStores, cache.stats().stores(), "no refused call stored anything");
        assertEquals(0, cache.stats().storeFailures(), "a refused argument is not a store failure");
        assertEquals(cache.superblock().dataBlockCount(), cache.stats().usedBlocks() + cache.stats().freeBlocks());
    }

    private void assertClosed(final Executable call)
    {
        final IllegalStateException closed = assertThrows(IllegalStateException.class, call);
        assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
        assertTrue(closed.getMessage().contains("args.cache"), closed.getMessage());
    }

    static void assertRefused(final Executable call, final String... named)
    {
        final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, call);
        for (final String part : named)
        {
            assertTrue(refused.getMessage().contains(part),
                "message should name \"" + part + "\": " + refused.getMessage());
        }
        assertFalse(refused.getMessage().isBlank());
    }
}
