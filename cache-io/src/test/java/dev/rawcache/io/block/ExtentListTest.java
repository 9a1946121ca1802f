package dev.rawcache.io.block;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Packing and counting extents.
 */
class ExtentListTest
{
    @Test
    void shouldPackAndUnpackExtentsAtTheLimits()
    {
        final long packed = ExtentList.pack(ExtentList.MAX_BLOCK_INDEX, 1);
        assertEquals(ExtentList.MAX_BLOCK_INDEX, ExtentList.firstBlock(packed));
        assertEquals(1, ExtentList.count(packed));
        final ExtentList list = ExtentList.ofPacked(new long[]{ExtentList.pack(5, 3), ExtentList.pack(100, 7)});
        assertEquals(2, list.size());
        assertEquals(10, list.blockCount());
        assertEquals(100, list.firstBlock(1));
        assertEquals("[5+3, 100+7]", list.toString());
    }

    @Test
    void shouldRejectEmptyOrOutOfRangeExtents()
    {
        assertThrows(IllegalArgumentException.class, () -> ExtentList.pack(-1, 1));
        assertThrows(IllegalArgumentException.class, () -> ExtentList.pack(0, 0));
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> ExtentList.pack(ExtentList.MAX_BLOCK_INDEX + 1, 1));
        assertTrue(e.getMessage().contains(String.valueOf(ExtentList.MAX_BLOCK_INDEX)));
    }
}
