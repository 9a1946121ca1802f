package dev.rawcache;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link RawDiskCache#lookupInto(String, ByteBuffer)}: the value lands byte-exact at the buffer's position on every
 * read path, heap or direct, across sizes around the block size and past the positional scratch buffer; a buffer too
 * small gets nothing and learns the length; misses, replaced values and bad buffers behave as documented.
 */
class LookupIntoTest
{
    private static final int[] SIZES = {1, 100, 4000, 4096, 4097, 70_000, 300_000};

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(ReadPath.class)
    void shouldCopyEveryValueByteExactAtThePositionOfAHeapOrDirectBuffer(final ReadPath path)
    {
        try (RawDiskCache cache = open(path))
        {
            for (final int size : SIZES)
            {
                cache.store("k" + size, Values.of("k" + size, 1, size));
            }
            for (int round = 0; round < 3; round++)
            {
                for (final int size : SIZES)
                {
                    for (final boolean direct : new boolean[]{false, true})
                    {
                        final ByteBuffer into = direct ? ByteBuffer.allocateDirect(size + 20) :
                            ByteBuffer.allocate(size + 20);
                        into.position(7);
                        assertEquals(size, cache.lookupInto("k" + size, into), "length of k" + size);
                        assertEquals(7 + size, into.position(), "the position advances by the value's length");
                        final byte[] read = new byte[size];
                        into.get(7, read);
                        Values.assertValue("k" + size, 1, size, read);
                        assertEquals(0, into.get(6), "nothing before the position is touched");
                        assertEquals(0, into.get(7 + size), "nothing after the value is touched");
                    }
                }
            }
            assertEquals(0, cache.stats().checksumFailures());
        }
    }

    @ParameterizedTest
    @EnumSource(ReadPath.class)
    void shouldCopyNothingIntoABufferTooSmallAndReturnTheLength(final ReadPath path)
    {
        try (RawDiskCache cache = open(path))
        {
            cache.store("big", Values.of("big", 3, 5000));
            final ByteBuffer small = ByteBuffer.allocate(4999);
            final long hitsBefore = cache.stats().hits();
            assertEquals(5000, cache.lookupInto("big", small), "the length, so the caller can size a buffer");
            assertEquals(0, small.position(), "the position does not move");
            assertTrue(Arrays.equals(new byte[4999], small.array()), "nothing is copied");
            assertEquals(hitsBefore + 1, cache.stats().hits());

            final ByteBuffer fits = ByteBuffer.allocate(5000);
            assertEquals(5000, cache.lookupInto("big", fits));
            Values.assertValue("big", 3, 5000, fits.array());
        }
    }

    @ParameterizedTest
    @EnumSource(ReadPath.class)
    void shouldMissAbsentRemovedAndExpiredKeysAndReadTheLatestVersion(final ReadPath path)
    {
        final ManualClock clock = new ManualClock();
        try (RawDiskCache cache = RawDiskCache.open(path.configure(CacheConfig.builder(dir.resolve("into.cache")), 256)
            .clock(clock).build()))
        {
            final ByteBuffer into = ByteBuffer.allocate(10_000);
            assertEquals(-1, cache.lookupInto("absent", into));
            cache.store("k", Values.of("k", 1, 3000));
            cache.store("k", Values.of("k", 2, 6000));
            assertEquals(6000, cache.lookupInto("k", into));
            Values.assertValue("k", 2, 6000, Arrays.copyOf(into.array(), 6000));
            cache.remove("k");
            assertEquals(-1, cache.lookupInto("k", into.clear()));
            cache.store("ttl", Values.buffer("ttl", 1, 500), java.time.Duration.ofSeconds(5));
            clock.advance(java.time.Duration.ofSeconds(6));
            assertEquals(-1, cache.lookupInto("ttl", into.clear()));
            assertEquals(0, into.position(), "a miss leaves the position");
        }
    }

    @Test
    void shouldRefuseAMissingOrReadOnlyBufferNamingTheKey()
    {
        try (RawDiskCache cache = open(ReadPath.DEFAULT))
        {
            cache.store("k", Values.of("k", 1, 100));
            final IllegalArgumentException nullBuffer =
                assertThrows(IllegalArgumentException.class, () -> cache.lookupInto("k", null));
            assertTrue(nullBuffer.getMessage().contains("key k"), nullBuffer.getMessage());
            final IllegalArgumentException readOnly = assertThrows(IllegalArgumentException.class,
                () -> cache.lookupInto("k", ByteBuffer.allocate(100).asReadOnlyBuffer()));
            assertTrue(readOnly.getMessage().contains("writable"), readOnly.getMessage());
            assertEquals(100, cache.lookupInto("k", ByteBuffer.allocate(100)), "the entry is still there");
        }
    }

    private RawDiskCache open(final ReadPath path)
    {
        return RawDiskCache.open(path.configure(CacheConfig.builder(dir.resolve("into.cache")), 1024).build());
    }
}
