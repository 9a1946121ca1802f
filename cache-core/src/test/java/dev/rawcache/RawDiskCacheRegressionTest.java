package dev.rawcache;

import dev.rawcache.io.CacheIoException;
import dev.rawcache.format.EntryHeaderDescriptor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Defects found in review, each pinned by the test that would have caught it: a view outliving its cache while
 * another cache reuses its blocks, a doomed store evicting the cache and the key's own entry, a damaged header length
 * field throwing instead of missing, and a transfer spinning on a channel that takes nothing.
 */
class RawDiskCacheRegressionTest
{
    private static final int BLOCK = 4096;

    @TempDir
    Path dir;

    private RawDiskCache open(final Path path, final long blocks)
    {
        return RawDiskCache.open(CacheConfig.builder(path).capacityBytes(blocks * BLOCK).mmapThreshold(0).build());
    }

    private static byte[] readAll(final CachedEntry entry)
    {
        final ByteBuffer all = ByteBuffer.allocate((int)entry.size());
        for (final ByteBuffer b : entry.buffers())
        {
            all.put(b);
        }
        return all.array();
    }

    @Test
    void shouldRefuseAReopenWhileAViewOfTheClosedCacheIsStillOpen()
    {
        final Path path = dir.resolve("view.cache");
        final byte[] a = Values.of("a", 1, 3 * BLOCK);
        final RawDiskCache first = open(path, 64);
        first.store("a", a);
        final CachedEntry view = first.lookupZeroCopy("a");
        first.close();

        final CacheIoException locked = assertThrows(CacheIoException.class, () -> open(path, 64));
        assertEquals(CacheIoException.Reason.LOCKED, locked.reason());
        assertArrayEquals(a, readAll(view), "the view still shows its own bytes after its cache closed");
        view.close();

        try (RawDiskCache second = open(path, 64))
        {
            assertArrayEquals(a, second.lookup("a").array(), "the reopened cache restores the entry");
            second.store("b", Values.of("b", 1, 3 * BLOCK));
            assertArrayEquals(Values.of("b", 1, 3 * BLOCK), second.lookup("b").array());
        }
    }

    @Test
    void shouldEvictNothingAndKeepTheOldEntryWhenAStoreCannotFitBecauseOfPins()
    {
        // 15 data blocks for entries: k and p take 6 each (value plus header), 3 free. p is pinned by a view.
        final CacheConfig config = TestCaches.quiet(CacheConfig.builder(dir.resolve("doomed.cache")), BLOCK, 15)
            .mmapThreshold(0).build();
        try (RawDiskCache cache = TestCaches.openQuiet(config, 15))
        {
            final byte[] k = Values.of("k", 1, 5 * BLOCK + 100);
            cache.store("k", k);
            cache.store("p", Values.of("p", 1, 5 * BLOCK + 100));
            try (CachedEntry pinned = cache.lookupZeroCopy("p"))
            {
                final long evictionsBefore = cache.stats().evictions();
                final CacheIoException e = assertThrows(CacheIoException.class,
                    () -> cache.store("k", Values.of("k", 2, 11 * BLOCK)));
                assertEquals(CacheIoException.Reason.NO_SPACE, e.reason());
                assertTrue(e.getMessage().contains("nothing was evicted"), e.getMessage());
                assertEquals(evictionsBefore, cache.stats().evictions());
                assertArrayEquals(k, cache.lookup("k").array(), "the rejected store kept the old entry");
                assertArrayEquals(Values.of("p", 1, 5 * BLOCK + 100), readAll(pinned));
            }
        }
    }

    @Test
    void shouldTreatADamagedExtentCountAsAChecksumMissNotAnException() throws Exception
    {
        final Path path = dir.resolve("header.cache");
        final CacheConfig config = CacheConfig.builder(path).capacityBytes(64 * BLOCK).build();
        final byte[] value = Values.of("k", 1, 1000);
        try (RawDiskCache cache = RawDiskCache.open(config))
        {
            cache.store("k", value);
            cache.store("other", Values.of("other", 1, 1000));
        }
        damageExtentCount(path, value);
        // The first read after open checks the whole header, extent count included.
        try (RawDiskCache cache = RawDiskCache.open(config))
        {
            assertNull(cache.lookup("k"));
            assertEquals(1, cache.stats().checksumFailures());
            assertFalse(cache.contains("k"), "the damaged entry is dropped");
            assertNull(cache.lookup("k"));
            assertEquals(1, cache.stats().checksumFailures(), "dropped once, then an ordinary miss");
            Values.assertLookup("other", 1, 1000, cache.lookup("other"));
            cache.store("k", Values.of("k", 2, 1000));
        }
        // An entry already read in full gets the quick check (magic, lengths, sequence) on later reads; verify()
        // checks every header in full and drops it, without an exception either.
        try (RawDiskCache cache = RawDiskCache.open(config))
        {
            Values.assertLookup("k", 2, 1000, cache.lookup("k"));
            damageExtentCount(path, Values.of("k", 2, 1000));
            Values.assertLookup("k", 2, 1000, cache.lookup("k"));
            assertEquals(1, cache.verify(null).corrupt());
            assertFalse(cache.contains("k"), "the damaged entry is dropped");
            assertEquals(1, cache.stats().checksumFailures());
            Values.assertLookup("other", 1, 1000, cache.lookup("other"));
        }
    }

    private static void damageExtentCount(final Path path, final byte[] value) throws IOException
    {
        final long at = headerOffset(path, "k", value) + EntryHeaderDescriptor.EXTENT_COUNT_OFFSET;
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE))
        {
            channel.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, -100), at);
        }
    }

    /**
     * Where the header of a one-extent entry starts in the file, found by scanning for its value.
     */
    private static long headerOffset(final Path path, final String key, final byte[] value) throws IOException
    {
        final byte[] file = Files.readAllBytes(path);
        long found = -1;
        for (int at = 0; at + value.length <= file.length; at++)
        {
            if (file[at] == value[0] && Arrays.equals(file, at, at + value.length, value, 0, value.length))
            {
                assertEquals(-1, found, "the value must occur once in the file");
                found = at;
            }
        }
        assertTrue(found > 0, "the value was not found in the file");
        final long header = found - EntryHeaderDescriptor.headerLength(key.length(), 1);
        assertEquals(0, header % BLOCK, "an entry starts on a block boundary");
        return header;
    }

    @Test
    void shouldReturnAPartialCountInsteadOfSpinningWhenTheTargetTakesNothing()
    {
        try (RawDiskCache cache = open(dir.resolve("stall.cache"), 64))
        {
            cache.store("k", Values.of("k", 1, 8 * BLOCK));
            final WritableByteChannel stalled = new WritableByteChannel()
            {
                public int write(final ByteBuffer src)
                {
                    return 0;
                }

                public boolean isOpen()
                {
                    return true;
                }

                public void close()
                {
                }
            };
            assertEquals(0, cache.transferTo("k", stalled));
            assertEquals(0, cache.transferTo("k", 100, 1000, stalled));
        }
    }
}
