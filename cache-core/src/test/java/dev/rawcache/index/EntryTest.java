package dev.rawcache.index;

import dev.rawcache.format.EntryHeaderDescriptor;
import dev.rawcache.io.block.ExtentList;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The entry's compact fields give back what it was built with: header and key lengths packed into one int up to
 * the largest header and key the format allows, freshness windows held apart only when an entry has them, extents
 * read one by one, and the blocks a metadata update leaves it owning.
 */
class EntryTest
{
    @Test
    void shouldKeepTheLargestHeaderAndKeyLengths()
    {
        final String key = "k".repeat(EntryHeaderDescriptor.MAX_KEY_BYTES - 1) + "z";
        final byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
        final int header = EntryHeaderDescriptor.maxHeaderLength();
        final Entry entry = new Entry(key, keyBytes, 7, ExtentList.of(3, 2), header, 5000, 0x1234, 10, 0, true);
        assertEquals(header, entry.headerLength());
        assertEquals(EntryHeaderDescriptor.MAX_KEY_BYTES, entry.keyByteLength());
        assertArrayEquals(keyBytes, entry.keyBytes());
        assertEquals(5000, entry.valueLength());
        assertEquals(0x1234, entry.valueCrc());
        assertEquals(7, entry.sequence());
    }

    @Test
    void shouldKeepAHeaderPaddedToAWholeBlockOfTheLargestSize()
    {
        // A metadata update pads the header it puts in front of a shared body to whole blocks (up to 1 MiB each).
        final int header = EntryHeaderDescriptor.maxHeaderLength() + (1 << 20);
        final byte[] key = "k".repeat(EntryHeaderDescriptor.MAX_KEY_BYTES).getBytes(StandardCharsets.UTF_8);
        final Entry entry = new Entry(new String(key, StandardCharsets.UTF_8), key, 1, ExtentList.of(0, 2), header,
            1 << 20, 0, 0, 0, true);
        assertEquals(header, entry.headerLength());
        assertEquals(EntryHeaderDescriptor.MAX_KEY_BYTES, entry.keyByteLength());
        assertEquals(1, new Entry("a", new byte[]{'a'}, 1, ExtentList.of(0, 1), 0, 1, 0, 0, 0, true).keyByteLength());
    }

    @Test
    void shouldRefuseAHeaderLongerThanItCanDescribeNamingTheLimit()
    {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
            new Entry("k", new byte[]{'k'}, 1, ExtentList.of(0, 1), 1 << 21, 1, 0, 0, 0, true));
        assertTrue(e.getMessage().contains("2097152") && e.getMessage().contains("2097151"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () ->
            new Entry("", new byte[0], 1, ExtentList.of(0, 1), 0, 1, 0, 0, 0, true), "an empty key");
    }

    @Test
    void shouldHoldFreshnessWindowsOnlyForEntriesThatHaveThem()
    {
        final Entry plain = new Entry("a", new byte[]{'a'}, 1, ExtentList.of(0, 1), 64, 1, 0, 100, 900, true);
        assertEquals(900, plain.freshUntilMillis(), "fresh until it expires");
        assertEquals(0, plain.staleWhileRevalidateUntilMillis());
        assertEquals(0, plain.staleIfErrorUntilMillis());
        assertArrayEquals(new long[]{900, 0, 0}, plain.freshness());

        final Entry stale = new Entry("b", new byte[]{'b'}, 2, ExtentList.of(1, 1), 64, 1, 0, 100, 1500, true,
            new long[]{500, 1000, 1500});
        assertEquals(500, stale.freshUntilMillis());
        assertEquals(1000, stale.staleWhileRevalidateUntilMillis());
        assertEquals(1500, stale.staleIfErrorUntilMillis());
        assertEquals(1500, stale.expiresAtMillis());
        final long[] copy = stale.freshness();
        copy[0] = 0;
        assertEquals(500, stale.freshUntilMillis(), "freshness() hands out a copy");
    }

    @Test
    void shouldReadExtentsOneByOneAndTrackSharedBlocks()
    {
        final ExtentList three = ExtentList.ofPacked(new long[]{ExtentList.pack(10, 2), ExtentList.pack(20, 1),
            ExtentList.pack(30, 4)});
        final Entry scattered = new Entry("s", new byte[]{'s'}, 3, three, 64, 20_000, 0, 0, 0, true);
        assertEquals(3, scattered.extentCount());
        for (int i = 0; i < 3; i++)
        {
            assertEquals(three.extent(i), scattered.extent(i));
        }

        final Entry single = new Entry("o", new byte[]{'o'}, 4, ExtentList.of(40, 3), 64, 10_000, 0, 0, 0, true);
        assertEquals(1, single.extentCount());
        assertEquals(ExtentList.pack(40, 3), single.extent(0));
        assertThrows(IndexOutOfBoundsException.class, () -> single.extent(1));
        assertNull(single.sharedBlocks());
        assertEquals(ExtentList.pack(40, 3), single.ownExtents().extent(0));

        final Entry.SharedBlocks tail = new Entry.SharedBlocks(ExtentList.of(41, 2));
        single.share(ExtentList.of(40, 1), tail);
        single.share(ExtentList.of(40, 1), tail);
        assertSame(tail, single.sharedBlocks());
        assertEquals(1, tail.owners(), "sharing the same blocks twice counts one owner");
        assertEquals(ExtentList.pack(40, 1), single.ownExtents().extent(0));
    }
}
