package dev.rawcache;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Entries of at most one page (header included) are stored by a copy into the mapping instead of a {@code pwrite}.
 * Their bytes must be the file's bytes: read back by a cache that only reads positionally, after a restart, and in
 * the file itself; overwrites of a key must never show an older or another key's value; and a cache that does not
 * map its file stores the same entries by {@code pwrite}.
 */
class MappedStoreTest
{
    private static final int[] SIZES = {1, 100, 4000, 4096 - 200, 4096, 4097, 3 * 4096};

    @TempDir
    Path dir;

    @Test
    void shouldStoreSmallEntriesThroughTheMappingSoThatPositionalReadsAndARestartSeeThem()
    {
        final Path file = dir.resolve("mapped-store.cache");
        try (RawDiskCache cache = RawDiskCache.open(CacheConfig.builder(file).capacityBytes(8L << 20)
            .mmapThreshold(0).build()))
        {
            for (int version = 1; version <= 3; version++)
            {
                for (final int size : SIZES)
                {
                    final String key = "k" + size;
                    cache.store(key, ByteBuffer.wrap(Values.of(key, version, size)),
                        size % 2 == 0 ? ByteBuffer.allocate(0) : ByteBuffer.wrap(("m" + version).getBytes()), null);
                    // The writing cache reads it at once through the mapping and by a positional read.
                    Values.assertLookup(key, version, size, cache.lookup(key));
                    try (EntryReader reader = cache.openReader(key))
                    {
                        final ByteBuffer positional = ByteBuffer.allocate(size);
                        while (positional.hasRemaining() && reader.read(positional) > 0)
                        {
                            assertEquals(true, positional.position() > 0);
                        }
                        Values.assertLookup(key, version, size, positional.flip());
                    }
                }
            }
        }
        try (RawDiskCache cache = RawDiskCache.open(CacheConfig.builder(file).capacityBytes(8L << 20)
            .zeroCopy(false).build()))
        {
            for (final int size : SIZES)
            {
                final String key = "k" + size;
                Values.assertLookup(key, 3, size, cache.lookup(key));
                try (EntryReader reader = cache.openReader(key))
                {
                    assertEquals(size % 2 == 0 ? ByteBuffer.allocate(0) : ByteBuffer.wrap("m3".getBytes()),
                        reader.metadata());
                }
            }
            assertEquals(0, cache.stats().checksumFailures(), "every value checked in full on its first read");
        }
    }

    @Test
    void shouldStoreByPwriteWhenTheFileIsNotMapped() throws Exception
    {
        final Path file = dir.resolve("unmapped-store.cache");
        try (RawDiskCache cache = RawDiskCache.open(CacheConfig.builder(file).capacityBytes(8L << 20)
            .zeroCopy(false).build()))
        {
            cache.store("page", Values.of("page", 5, 4096));
            Values.assertLookup("page", 5, 4096, cache.lookup("page"));
            assertNull(cache.lookup("absent"));
        }
        try (RawDiskCache cache = RawDiskCache.open(CacheConfig.builder(file).capacityBytes(8L << 20).build()))
        {
            Values.assertLookup("page", 5, 4096, cache.lookup("page"));
        }
        // The value is in the file as written: a 4 KiB value without metadata is one block-aligned block.
        final byte[] expected = Values.of("page", 5, 4096);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
        {
            final ByteBuffer block = ByteBuffer.allocate(4096);
            boolean found = false;
            for (long at = 0; at + 4096 <= channel.size() && !found; at += 4096)
            {
                block.clear();
                channel.read(block, at);
                found = java.util.Arrays.equals(expected, block.array());
            }
            assertEquals(true, found, "the value's block is in the file");
        }
    }
}
