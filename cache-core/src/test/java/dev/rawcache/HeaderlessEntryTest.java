package dev.rawcache;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Values without metadata whose header would cost one more block are stored without one: a 4 KiB value takes one
 * 4 KiB block, block-aligned, is read byte-exact by every read path, survives a restart through the checkpoint and
 * journal, is checked by its CRC32C on its first read after open, and gets a header again when its metadata is
 * updated.
 */
class HeaderlessEntryTest
{
    private static final int BLOCK = CacheConfig.DEFAULT_BLOCK_SIZE;

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(ReadPath.class)
    void shouldStoreAFourKibValueWithoutMetadataInOneBlockAndReadItOnEveryPath(final ReadPath path)
        throws IOException
    {
        try (RawDiskCache cache = open(path))
        {
            final long free = cache.stats().freeBlocks();
            cache.store("page", Values.of("page", 1, BLOCK));
            assertEquals(free - 1, cache.stats().freeBlocks(), "one block for a 4 KiB value without metadata");
            cache.store("with-metadata", ByteBuffer.wrap(Values.of("with-metadata", 1, BLOCK)),
                ByteBuffer.wrap(new byte[]{7}), null);
            assertEquals(free - 3, cache.stats().freeBlocks(), "two blocks when metadata needs a header");
            cache.store("two-pages", Values.of("two-pages", 1, 2 * BLOCK - 8));
            assertEquals(free - 5, cache.stats().freeBlocks(), "a value just under 8 KiB: two blocks, not three");

            for (final String key : new String[]{"page", "with-metadata"})
            {
                assertReadsEverywhere(cache, key, 1, BLOCK);
            }
            assertReadsEverywhere(cache, "two-pages", 1, 2 * BLOCK - 8);
            try (EntryReader reader = cache.openReader("page"))
            {
                assertEquals(0, reader.metadata().remaining(), "no metadata");
            }
            try (EntryReader reader = cache.openReader("with-metadata"))
            {
                assertEquals(ByteBuffer.wrap(new byte[]{7}), reader.metadata());
            }
            assertEquals(0, cache.stats().checksumFailures());
        }
    }

    @ParameterizedTest
    @EnumSource(ReadPath.class)
    void shouldStoreStraightFromADirectBufferFromItsPositionLeavingTheBufferAsItWas(final ReadPath path)
        throws IOException
    {
        try (RawDiskCache cache = open(path))
        {
            final ByteBuffer body = ByteBuffer.allocateDirect(BLOCK + 300);
            for (int version = 1; version <= 3; version++)
            {
                body.clear().position(100);
                body.put(Values.of("direct", version, BLOCK)).flip().position(100);
                cache.store("direct", body);
                assertEquals(100, body.position(), "the caller's buffer is not moved");
                assertEquals(100 + BLOCK, body.limit());
                assertReadsEverywhere(cache, "direct", version, BLOCK);
            }
            assertEquals(0, cache.stats().checksumFailures());
        }
        try (RawDiskCache cache = open(path))
        {
            assertReadsEverywhere(cache, "direct", 3, BLOCK);
        }
    }

    @ParameterizedTest
    @EnumSource(ReadPath.class)
    void shouldComeBackAfterARestartAndBeCheckedByItsChecksumOnTheFirstRead(final ReadPath path) throws IOException
    {
        try (RawDiskCache cache = open(path))
        {
            cache.store("a", Values.of("a", 1, BLOCK));
            cache.store("b", Values.of("b", 2, BLOCK));
            cache.store("c", Values.of("c", 3, BLOCK));
        }
        try (RawDiskCache cache = open(path))
        {
            Values.assertLookup("a", 1, BLOCK, cache.lookup("a"));
            flipByteAt(cache.config().path(), offsetOf(cache.config().path(), Values.of("b", 2, BLOCK)) + 2000);
        }
        try (RawDiskCache cache = open(path))
        {
            final ByteBuffer into = ByteBuffer.allocateDirect(BLOCK);
            assertEquals(-1, cache.lookupInto("b", into), "a damaged value without a header is a miss");
            assertEquals(1, cache.stats().checksumFailures());
            Values.assertLookup("a", 1, BLOCK, cache.lookup("a"));
            Values.assertLookup("c", 3, BLOCK, cache.lookup("c"));
        }
    }

    @ParameterizedTest
    @EnumSource(ReadPath.class)
    void shouldGiveAHeaderToAValueWithoutOneWhenItsMetadataIsUpdated(final ReadPath path) throws IOException
    {
        try (RawDiskCache cache = open(path))
        {
            cache.store("k", Values.of("k", 5, BLOCK));
            assertTrue(cache.updateMetadata("k", ByteBuffer.wrap(new byte[]{1, 2, 3, 4})));
            assertReadsEverywhere(cache, "k", 5, BLOCK);
            try (EntryReader reader = cache.openReader("k"))
            {
                assertEquals(ByteBuffer.wrap(new byte[]{1, 2, 3, 4}), reader.metadata());
            }
        }
        try (RawDiskCache cache = open(path))
        {
            assertReadsEverywhere(cache, "k", 5, BLOCK);
            try (EntryReader reader = cache.openReader("k"))
            {
                assertEquals(ByteBuffer.wrap(new byte[]{1, 2, 3, 4}), reader.metadata());
            }
            cache.remove("k");
            cache.reclaimClosedViews();
            assertNull(cache.lookup("k"));
        }
    }

    private RawDiskCache open(final ReadPath path)
    {
        return RawDiskCache.open(path.configure(CacheConfig.builder(dir.resolve("headerless.cache")), 512).build());
    }

    private void assertReadsEverywhere(final RawDiskCache cache, final String key, final long version, final int size)
        throws IOException
    {
        Values.assertLookup(key, version, size, cache.lookup(key));
        final ByteBuffer into = ByteBuffer.allocate(size);
        assertEquals(size, cache.lookupInto(key, into));
        Values.assertValue(key, version, size, into.array());
        // A direct buffer takes the value straight from the file, at its position, leaving the bytes around alone.
        final ByteBuffer direct = ByteBuffer.allocateDirect(size + 200);
        for (int i = 0; i < direct.capacity(); i++)
        {
            direct.put(i, (byte)0x5A);
        }
        direct.position(100);
        assertEquals(size, cache.lookupInto(key, direct));
        assertEquals(100 + size, direct.position());
        final byte[] read = new byte[size];
        direct.get(100, read);
        Values.assertValue(key, version, size, read);
        assertEquals(0x5A, direct.get(99));
        assertEquals(0x5A, direct.get(100 + size));
        try (CachedEntry entry = cache.lookupZeroCopy(key))
        {
            Values.assertValue(key, version, size, Values.concat(entry.buffers()));
        }
        final Path out = dir.resolve("sent-" + key);
        try (FileChannel channel = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING))
        {
            assertEquals(size, cache.transferTo(key, channel));
        }
        Values.assertValue(key, version, size, Files.readAllBytes(out));
        try (EntryReader reader = cache.openReader(key))
        {
            final ByteBuffer part = ByteBuffer.allocate(size - 100);
            reader.seek(100, size);
            while (part.hasRemaining() && reader.read(part) > 0)
            {
                // Read the range through.
            }
            assertArrayEquals(Arrays.copyOfRange(Values.of(key, version, size), 100, size), part.array());
        }
    }

    private static long offsetOf(final Path file, final byte[] value) throws IOException
    {
        final byte[] bytes = Files.readAllBytes(file);
        for (int at = 0; at + value.length <= bytes.length; at += BLOCK)
        {
            if (Arrays.equals(bytes, at, at + value.length, value, 0, value.length))
            {
                return at;
            }
        }
        throw new AssertionError("value not found on a block boundary");
    }

    private static void flipByteAt(final Path file, final long offset) throws IOException
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            final ByteBuffer one = ByteBuffer.allocate(1);
            channel.read(one, offset);
            one.put(0, (byte)~one.get(0)).rewind();
            channel.write(one, offset);
        }
    }
}
