package dev.rawcache;

import dev.rawcache.format.EntryHeaderDescriptor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static dev.rawcache.Values.assertLookup;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Covers bytes damaged on disk behind the cache's back: the read that finds them is a miss, counted as a checksum
 * failure, and the entry is dropped and its blocks returned, while other entries stay readable. Which read finds
 * them: a damaged header sequence or length, every read; damage elsewhere in the header or in the value, the first
 * read after open and {@code verify()}, or every read with {@link CacheConfig#verifyEveryRead()}.
 */
class RawDiskCacheCorruptionTest
{
    private static final String VICTIM = "GET https://example.com/victim.css";
    private static final String NEIGHBOUR = "GET https://example.com/neighbour.js";
    private static final int SIZE = 3000;

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(ReadPath.class)
    void shouldMissDropAndFreeASmallValueWithAFlippedByteWhenEveryReadIsVerified(final ReadPath path)
        throws IOException
    {
        try (RawDiskCache cache = open(path, true))
        {
            final long freeBefore = storeBoth(cache);
            flipByteAt(cache, valueOffset(cache) + 1234);

            final CacheStats before = cache.stats();
            assertNull(cache.lookup(VICTIM), "a damaged value is a miss");
            assertDroppedAndFreed(cache, before, freeBefore);
        }
    }

    @ParameterizedTest
    @EnumSource(ReadPath.class)
    void shouldMissDropAndFreeOnAZeroCopyLookupOfADamagedValueWhenEveryReadIsVerified(final ReadPath path)
        throws IOException
    {
        try (RawDiskCache cache = open(path, true))
        {
            final long freeBefore = storeBoth(cache);
            flipByteAt(cache, valueOffset(cache) + SIZE - 1);

            final CacheStats before = cache.stats();
            assertNull(cache.lookupZeroCopy(VICTIM), "a damaged value is a miss");
            assertDroppedAndFreed(cache, before, freeBefore);
        }
    }

    @ParameterizedTest
    @EnumSource(ReadPath.class)
    void shouldMissDropAndFreeAnEntryWithADamagedHeaderOnEveryPath(final ReadPath path) throws IOException
    {
        try (RawDiskCache cache = open(path))
        {
            final long freeBefore = storeBoth(cache);
            final long headerStart = valueOffset(cache) - EntryHeaderDescriptor.headerLength(VICTIM.length(), 1);
            flipByteAt(cache, headerStart + EntryHeaderDescriptor.SEQUENCE_OFFSET);

            final CacheStats before = cache.stats();
            assertNull(cache.lookup(VICTIM), "an entry whose header does not match is a miss");
            assertDroppedAndFreed(cache, before, freeBefore);
        }
    }

    @ParameterizedTest
    @EnumSource(ReadPath.class)
    void shouldMissDropAndFreeOnALookupIntoABufferOfADamagedEntryOnEveryPath(final ReadPath path) throws IOException
    {
        try (RawDiskCache cache = open(path))
        {
            final long freeBefore = storeBoth(cache);
            final long headerStart = valueOffset(cache) - EntryHeaderDescriptor.headerLength(VICTIM.length(), 1);
            flipByteAt(cache, headerStart + EntryHeaderDescriptor.VALUE_LENGTH_OFFSET);

            final CacheStats before = cache.stats();
            final ByteBuffer into = ByteBuffer.allocateDirect(SIZE);
            assertEquals(-1, cache.lookupInto(VICTIM, into), "an entry whose header does not match is a miss");
            assertEquals(0, into.position());
            assertDroppedAndFreed(cache, before, freeBefore);
        }
    }

    @ParameterizedTest
    @EnumSource(ReadPath.class)
    void shouldMissOnALookupIntoABufferOfADamagedValueWhenEveryReadIsVerified(final ReadPath path)
        throws IOException
    {
        try (RawDiskCache cache = open(path, true))
        {
            final long freeBefore = storeBoth(cache);
            flipByteAt(cache, valueOffset(cache) + 17);

            final CacheStats before = cache.stats();
            final ByteBuffer into = ByteBuffer.allocate(SIZE + 10);
            assertEquals(-1, cache.lookupInto(VICTIM, into), "a damaged value is a miss");
            assertEquals(0, into.position());
            assertDroppedAndFreed(cache, before, freeBefore);
        }
    }

    @ParameterizedTest
    @EnumSource(ReadPath.class)
    void shouldSendNothingForAnEntryWithADamagedHeader(final ReadPath path) throws IOException
    {
        try (RawDiskCache cache = open(path);
             FileChannel out = FileChannel.open(dir.resolve("out"), StandardOpenOption.CREATE,
                 StandardOpenOption.WRITE))
        {
            final long freeBefore = storeBoth(cache);
            final long headerStart = valueOffset(cache) - EntryHeaderDescriptor.headerLength(VICTIM.length(), 1);
            flipByteAt(cache, headerStart + EntryHeaderDescriptor.SEQUENCE_OFFSET + 2);

            final CacheStats before = cache.stats();
            assertEquals(-1, cache.transferTo(VICTIM, out), "a damaged entry is not sent");
            assertEquals(0, out.size());
            assertDroppedAndFreed(cache, before, freeBefore);
        }
    }

    @ParameterizedTest
    @EnumSource(ReadPath.class)
    void shouldFindADamagedKeyInTheHeaderOnTheFirstReadAfterOpenAndByVerify(final ReadPath path) throws IOException
    {
        final long keyByte;
        try (RawDiskCache cache = open(path))
        {
            storeBoth(cache);
            final long headerStart = valueOffset(cache) - EntryHeaderDescriptor.headerLength(VICTIM.length(), 1);
            keyByte = headerStart + EntryHeaderDescriptor.EXTENTS_OFFSET + EntryHeaderDescriptor.EXTENT_LENGTH + 3;
            flipByteAt(cache, keyByte);
            // Later reads of an entry already checked in full check magic, lengths and sequence only; the key and
            // the header's CRC are for the first read and for verify(). The value itself is intact.
            assertLookup(VICTIM, 1, SIZE, cache.lookup(VICTIM));
            final CacheStats before = cache.stats();
            assertEquals(1, cache.verify(null).corrupt(), "verify() checks every header in full");
            assertEquals(before.checksumFailures() + 1, cache.stats().checksumFailures());
            assertFalse(cache.contains(VICTIM));
            assertLookup(NEIGHBOUR, 1, SIZE, cache.lookup(NEIGHBOUR));
            cache.store(VICTIM, Values.of(VICTIM, 2, SIZE));
        }
        try (RawDiskCache cache = open(path))
        {
            assertLookup(VICTIM, 2, SIZE, cache.lookup(VICTIM));
            final long headerStart = valueOffset(cache, 2) - EntryHeaderDescriptor.headerLength(VICTIM.length(), 1);
            flipByteAt(cache, headerStart + EntryHeaderDescriptor.EXTENTS_OFFSET + EntryHeaderDescriptor.EXTENT_LENGTH);
        }
        try (RawDiskCache cache = open(path))
        {
            final CacheStats before = cache.stats();
            assertNull(cache.lookup(VICTIM), "the first read after open checks the whole header");
            assertEquals(before.checksumFailures() + 1, cache.stats().checksumFailures());
            assertLookup(NEIGHBOUR, 1, SIZE, cache.lookup(NEIGHBOUR));
        }
    }

    @ParameterizedTest
    @EnumSource(ReadPath.class)
    void shouldFindAValueDamagedAfterItsFirstReadByVerifyAndOnTheFirstReadAfterOpen(final ReadPath path)
        throws IOException
    {
        try (RawDiskCache cache = open(path))
        {
            final long freeBefore = storeBoth(cache);
            flipByteAt(cache, valueOffset(cache) + 99);
            // By default an entry read once in full is trusted until verify() or the next open: the value's CRC32C
            // is not computed again on every read.
            assertEquals(SIZE, cache.lookupInto(VICTIM, ByteBuffer.allocate(SIZE)));
            final CacheStats before = cache.stats();
            assertEquals(1, cache.verify(null).corrupt(), "verify() checks every value");
            cache.reclaimClosedViews();
            assertEquals(before.checksumFailures() + 1, cache.stats().checksumFailures());
            assertFalse(cache.contains(VICTIM));
            assertEquals(freeBefore, cache.stats().freeBlocks(), "its blocks are returned");
            cache.store(VICTIM, Values.of(VICTIM, 2, SIZE));
        }
        try (RawDiskCache cache = open(path))
        {
            flipByteAt(cache, valueOffset(cache, 2) + SIZE - 2);
            final CacheStats before = cache.stats();
            assertNull(cache.lookup(VICTIM), "the first read after open checks the value's CRC32C");
            assertEquals(before.checksumFailures() + 1, cache.stats().checksumFailures());
            assertLookup(NEIGHBOUR, 1, SIZE, cache.lookup(NEIGHBOUR));
        }
    }

    private RawDiskCache open(final ReadPath path)
    {
        return open(path, false);
    }

    private RawDiskCache open(final ReadPath path, final boolean verifyEveryRead)
    {
        return RawDiskCache.open(path.configure(CacheConfig.builder(dir.resolve("corrupt.cache")), 64)
            .verifyEveryRead(verifyEveryRead).build());
    }

    /**
     * Stores the neighbour and then the victim.
     *
     * @return free blocks before the victim was stored.
     */
    private static long storeBoth(final RawDiskCache cache)
    {
        cache.store(NEIGHBOUR, Values.of(NEIGHBOUR, 1, SIZE));
        final long freeBefore = cache.stats().freeBlocks();
        cache.store(VICTIM, Values.of(VICTIM, 1, SIZE));
        assertLookup(VICTIM, 1, SIZE, cache.lookup(VICTIM));
        return freeBefore;
    }

    private static void assertDroppedAndFreed(final RawDiskCache cache, final CacheStats before, final long freeBefore)
    {
        cache.reclaimClosedViews();
        final CacheStats after = cache.stats();
        assertEquals(before.checksumFailures() + 1, after.checksumFailures(), "checksum failures");
        assertEquals(before.misses() + 1, after.misses(), "misses");
        assertEquals(before.hits(), after.hits(), "hits");
        assertEquals(before.entries() - 1, after.entries(), "the entry is dropped");
        assertFalse(cache.contains(VICTIM));
        assertEquals(freeBefore, after.freeBlocks(), "its blocks are returned");
        assertNull(cache.lookup(VICTIM), "and it stays a miss");
        assertEquals(after.checksumFailures(), cache.stats().checksumFailures(), "a dropped entry fails once");
        assertTrue(cache.contains(NEIGHBOUR));
        assertLookup(NEIGHBOUR, 1, SIZE, cache.lookup(NEIGHBOUR));
    }

    /**
     * Where the victim's value starts in the file, found by scanning for its bytes.
     */
    private static long valueOffset(final RawDiskCache cache) throws IOException
    {
        return valueOffset(cache, 1);
    }

    /**
     * Where version {@code version} of the victim's value starts in the file.
     */
    private static long valueOffset(final RawDiskCache cache, final long version) throws IOException
    {
        final byte[] file = Files.readAllBytes(cache.config().path());
        final byte[] value = Values.of(VICTIM, version, SIZE);
        long found = -1;
        for (int at = 0; at + SIZE <= file.length; at++)
        {
            if (file[at] == value[0] && Arrays.equals(file, at, at + SIZE, value, 0, SIZE))
            {
                assertEquals(-1, found, "the victim's value must occur once in the file");
                found = at;
            }
        }
        assertTrue(found > 0, "the victim's value was not found in the file");
        return found;
    }

    private static void flipByteAt(final RawDiskCache cache, final long offset) throws IOException
    {
        try (FileChannel channel = FileChannel.open(cache.config().path(), StandardOpenOption.READ,
            StandardOpenOption.WRITE))
        {
            final ByteBuffer one = ByteBuffer.allocate(1);
            assertEquals(1, channel.read(one, offset));
            one.put(0, (byte)~one.get(0)).rewind();
            assertEquals(1, channel.write(one, offset));
        }
    }
}
