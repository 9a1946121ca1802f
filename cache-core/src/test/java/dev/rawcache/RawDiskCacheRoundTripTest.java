package dev.rawcache;

import dev.rawcache.format.EntryHeaderDescriptor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import static dev.rawcache.Values.assertLookup;
import static dev.rawcache.Values.assertValue;
import static dev.rawcache.Values.concat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Covers storing values of every size class and reading them back byte for byte through lookup, zero-copy lookup
 * and transferTo, on the positional, mapped and default read paths.
 */
class RawDiskCacheRoundTripTest
{
    private static final int THRESHOLD = CacheConfig.DEFAULT_MMAP_THRESHOLD;
    private static final int[] SIZES = {0, 1, 4095, 4096, 4097, THRESHOLD - 1, THRESHOLD, 1 << 20, (8 << 20) + 1};
    private static final int BLOCK = CacheConfig.DEFAULT_BLOCK_SIZE;

    @TempDir
    Path dir;

    static Stream<Arguments> pathsAndSizes()
    {
        final List<Arguments> arguments = new ArrayList<>();
        for (final ReadPath path : ReadPath.values())
        {
            for (final int size : SIZES)
            {
                arguments.add(Arguments.of(path, size));
            }
        }
        return arguments.stream();
    }

    @ParameterizedTest(name = "{0} path, {1} bytes")
    @MethodSource("pathsAndSizes")
    void shouldReadBackExactValueThroughEveryReadApi(final ReadPath path, final int size) throws IOException
    {
        try (RawDiskCache cache = open(path, 2600))
        {
            final String key = "GET https://example.com/object-" + size;
            cache.store(key, Values.of(key, 1, size));

            final ByteBuffer copy = cache.lookup(key);
            assertLookup(key, 1, size, copy);
            assertFalse(copy.isDirect(), "lookup returns a heap copy");
            assertEquals(size, copy.capacity(), "a copy of exactly the value");

            final ZeroCopyStats before = cache.zeroCopyStats();
            try (CachedEntry entry = cache.lookupZeroCopy(key))
            {
                assertNotNull(entry);
                assertEquals(key, entry.key());
                assertEquals(size, entry.size());
                assertEquals(path.maps(size), entry.isMapped(), "route of a " + size + " byte value");
                final ByteBuffer[] buffers = entry.buffers();
                for (final ByteBuffer buffer : buffers)
                {
                    assertTrue(buffer.isReadOnly(), "zero-copy buffers are read-only");
                }
                assertValue(key, 1, size, concat(buffers));
                assertValue(key, 1, size, concat(entry.buffers()));
            }
            final ZeroCopyStats after = cache.zeroCopyStats();
            assertEquals(path.maps(size) ? 1 : 0, after.mmapReads() - before.mmapReads(), "mmap reads");
            assertEquals(path.maps(size) ? size : 0, after.mmapBytes() - before.mmapBytes(), "mmap bytes");
            assertEquals(path.maps(size) ? 0 : 1, after.mmapSkipped() - before.mmapSkipped(), "mmap skipped");

            assertValue(key, 1, size, transferToFile(cache, key, size));
            final ZeroCopyStats sent = cache.zeroCopyStats();
            assertEquals(1, sent.sendfileTransfers() - after.sendfileTransfers(), "sendfile transfers");
            assertEquals(size, sent.sendfileBytes() - after.sendfileBytes(), "sendfile bytes");

            final CacheStats stats = cache.stats();
            assertEquals(3, stats.hits());
            assertEquals(0, stats.misses());
            assertEquals(1, stats.stores());
            assertEquals(size, stats.storeBytes());
            assertEquals(1, stats.entries());
        }
    }

    @ParameterizedTest
    @EnumSource(ReadPath.class)
    void shouldMissOnEveryReadApiForAnAbsentKey(final ReadPath path) throws IOException
    {
        try (RawDiskCache cache = open(path, 64);
             FileChannel out = FileChannel.open(dir.resolve("out"), StandardOpenOption.CREATE,
                 StandardOpenOption.WRITE))
        {
            cache.store("present", Values.of("present", 1, 100));
            assertNull(cache.lookup("absent"));
            assertNull(cache.lookupZeroCopy("absent"));
            assertEquals(-1, cache.transferTo("absent", out));
            assertEquals(-1, cache.transferTo("absent", 0, 10, out));
            assertFalse(cache.contains("absent"));
            assertEquals(4, cache.stats().misses());
            assertEquals(0, cache.stats().hits());
            assertEquals(0, out.size(), "a miss sends nothing");
        }
    }

    @ParameterizedTest
    @EnumSource(ReadPath.class)
    void shouldStoreOnlyTheRemainingBytesOfABufferAndLeaveItsPositionAlone(final ReadPath path)
    {
        try (RawDiskCache cache = open(path, 64))
        {
            final int size = 3 * BLOCK + 17;
            final byte[] value = Values.of("sliced", 7, size);
            final ByteBuffer padded = ByteBuffer.allocate(size + 40);
            padded.position(13).put(value).position(13).limit(13 + size);
            cache.store("sliced", padded);
            assertEquals(13, padded.position(), "store must not move the buffer's position");
            assertEquals(13 + size, padded.limit(), "store must not move the buffer's limit");

            final ByteBuffer direct = ByteBuffer.allocateDirect(size).put(value).flip();
            cache.store("direct", direct);
            assertEquals(0, direct.position());

            assertLookup("sliced", 7, size, cache.lookup("sliced"));
            final ByteBuffer fromDirect = cache.lookup("direct");
            assertNotNull(fromDirect);
            assertValue("sliced", 7, size, Values.bytes(fromDirect));
        }
    }

    @ParameterizedTest
    @EnumSource(ReadPath.class)
    void shouldRoundTripAValueScatteredOverManyExtents(final ReadPath path) throws IOException
    {
        final CacheConfig config = TestCaches.quiet(path, CacheConfig.builder(dir.resolve("rt.cache")), 63).build();
        try (RawDiskCache cache = TestCaches.openQuiet(config, 63))
        {
            final long entryBlocks = TestCaches.entryRoom(cache);
            final int oneBlock = BLOCK - EntryHeaderDescriptor.headerLength(small(0).length(), 1);
            for (int i = 0; i < entryBlocks; i++)
            {
                cache.store(small(i), Values.of(small(i), 1, oneBlock));
            }
            assertEquals(0, cache.stats().freeBlocks(), "one-block entries fill the cache");
            assertEquals(0, cache.stats().evictions());
            for (int i = 1; i < entryBlocks; i += 2)
            {
                assertTrue(cache.remove(small(i)));
            }
            final String key = "large";
            final int size = 20 * BLOCK - EntryHeaderDescriptor.headerLength(key.length(), 1);
            cache.store(key, Values.of(key, 3, size));
            assertEquals(0, cache.stats().evictions(), "the holes between one-block entries hold the value");

            assertLookup(key, 3, size, cache.lookup(key));
            try (CachedEntry entry = cache.lookupZeroCopy(key))
            {
                assertNotNull(entry);
                assertEquals(path.maps(size), entry.isMapped());
                if (entry.isMapped())
                {
                    assertTrue(entry.buffers().length > 1, "a scattered value is one buffer per extent");
                }
                assertValue(key, 3, size, concat(entry.buffers()));
            }
            assertValue(key, 3, size, transferToFile(cache, key, size));
            for (int i = 0; i < entryBlocks; i += 2)
            {
                assertLookup(small(i), 1, oneBlock, cache.lookup(small(i)));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(ReadPath.class)
    void shouldRoundTripTheLongestKeyWhoseHeaderSpansSeveralScatteredBlocks(final ReadPath path) throws IOException
    {
        final CacheConfig config = TestCaches.quiet(CacheConfig.builder(dir.resolve("small-blocks.cache")), 512, 255)
            .mmapThreshold(path.threshold()).build();
        try (RawDiskCache cache = TestCaches.openQuiet(config, 255))
        {
            final long entryBlocks = TestCaches.entryRoom(cache);
            final int oneBlock = 512 - EntryHeaderDescriptor.headerLength(small(0).length(), 1);
            for (int i = 0; i < entryBlocks; i++)
            {
                cache.store(small(i), Values.of(small(i), 1, oneBlock));
            }
            assertEquals(0, cache.stats().freeBlocks(), "one-block entries fill the cache");
            assertEquals(0, cache.stats().evictions());
            for (int i = 1; i < entryBlocks; i += 2)
            {
                cache.remove(small(i));
            }
            final String key = "\u00e9".repeat(RawDiskCache.MAX_KEY_BYTES / 2);
            assertEquals(RawDiskCache.MAX_KEY_BYTES, key.getBytes(StandardCharsets.UTF_8).length);
            final int size = 20_000;
            cache.store(key, Values.of(key, 5, size));
            assertEquals(0, cache.stats().evictions(), "the holes between one-block entries hold the value");

            assertLookup(key, 5, size, cache.lookup(key));
            try (CachedEntry entry = cache.lookupZeroCopy(key))
            {
                assertNotNull(entry);
                assertEquals(path.maps(size), entry.isMapped());
                assertValue(key, 5, size, concat(entry.buffers()));
            }
            assertValue(key, 5, size, transferToFile(cache, key, size));
            for (int i = 0; i < entryBlocks; i += 2)
            {
                assertLookup(small(i), 1, oneBlock, cache.lookup(small(i)));
            }
        }
    }

    @Test
    void shouldServeEveryZeroCopyLookupAsACopyWhenMappingIsSwitchedOff() throws IOException
    {
        final CacheConfig config = CacheConfig.builder(dir.resolve("unmapped.cache")).capacityBytes(64 * BLOCK)
            .mmapThreshold(0).zeroCopy(false).build();
        try (RawDiskCache cache = RawDiskCache.open(config))
        {
            assertFalse(cache.isZeroCopyAvailable());
            final int size = 5 * BLOCK + 3;
            cache.store("k", Values.of("k", 2, size));
            assertLookup("k", 2, size, cache.lookup("k"));
            try (CachedEntry entry = cache.lookupZeroCopy("k"))
            {
                assertNotNull(entry);
                assertFalse(entry.isMapped());
                assertValue("k", 2, size, concat(entry.buffers()));
            }
            assertValue("k", 2, size, transferToFile(cache, "k", size));
            assertEquals(new ZeroCopyStats(0, 0, 1, 1, size), cache.zeroCopyStats());
        }
    }

    private RawDiskCache open(final ReadPath path, final long blocks)
    {
        return RawDiskCache.open(path.configure(CacheConfig.builder(dir.resolve("rt.cache")), blocks).build());
    }

    private byte[] transferToFile(final RawDiskCache cache, final String key, final long size) throws IOException
    {
        final Path target = Files.createTempFile(dir, "transfer", ".bin");
        try (FileChannel out = FileChannel.open(target, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING))
        {
            assertEquals(size, cache.transferTo(key, out), "bytes sent for key " + key);
        }
        return Files.readAllBytes(target);
    }

    private static String small(final int i)
    {
        return String.format("small-%03d", i);
    }
}
