package dev.rawcache;

import dev.rawcache.io.CacheIoException;
import dev.rawcache.format.EntryHeaderDescriptor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

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
            second.store("b", Values.of("b", 1, 3 * BLOCK));
            assertArrayEquals(Values.of("b", 1, 3 * BLOCK), second.lookup("b").array());
        }
    }

    @Test
    void shouldEvictNothingAndKeepTheOldEntryWhenAStoreCannotFitBecauseOfPins()
    {
        // 15 data blocks: k and p take 6 each (value plus header), 3 free. p is pinned by a view.
        try (RawDiskCache cache = open(dir.resolve("doomed.cache"), 16))
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
        try (RawDiskCache cache = RawDiskCache.open(CacheConfig.builder(path).capacityBytes(64 * BLOCK).build()))
        {
            cache.store("k", Values.of("k", 1, 1000));
            final long at = cache.superblock().dataStartBlock() * BLOCK + EntryHeaderDescriptor.EXTENT_COUNT_OFFSET;
            try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE))
            {
                channel.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, -100), at);
            }
            assertNull(cache.lookup("k"));
            assertEquals(1, cache.stats().checksumFailures());
            assertFalse(cache.contains("k"), "the damaged entry is dropped");
            assertNull(cache.lookup("k"));
            assertEquals(1, cache.stats().checksumFailures(), "dropped once, then an ordinary miss");
        }
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
