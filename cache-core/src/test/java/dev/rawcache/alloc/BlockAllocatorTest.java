package dev.rawcache.alloc;

import dev.rawcache.io.block.ExtentList;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Covers the extent allocator: best fit, the multi-extent fallback and its extent cap, coalescing frees, refusal of
 * double frees, and reservation of given blocks.
 */
class BlockAllocatorTest
{
    private static final long FIRST = 1;
    private static final long COUNT = 100;

    private BlockAllocator allocator;

    @BeforeEach
    void create()
    {
        allocator = new BlockAllocator(FIRST, COUNT);
    }

    @Test
    void shouldStartWithOneFreeExtentCoveringTheRange()
    {
        assertEquals(COUNT, allocator.freeBlocks());
        assertEquals(0, allocator.usedBlocks());
        assertEquals(COUNT, allocator.blockCount());
        assertEquals(1, allocator.freeExtentCount());
        assertEquals(COUNT, allocator.largestFreeExtent());
        assertEquals(ExtentList.of(FIRST, COUNT), allocator.allocate(COUNT, 1));
        assertEquals(0, allocator.freeBlocks());
        assertEquals(0, allocator.largestFreeExtent());
        assertNull(allocator.allocate(1, 256), "nothing is left");
    }

    @Test
    void shouldAllocateFromTheSmallestFreeExtentThatFits()
    {
        holes();
        assertEquals(ExtentList.of(7, 3), allocator.allocate(3, 1), "the 3-block hole fits exactly");
        assertEquals(ExtentList.of(1, 4), allocator.allocate(4, 1), "the 5-block hole is the smallest that fits 4");
        assertEquals(ExtentList.of(11, 6), allocator.allocate(6, 1), "the 8-block hole is the smallest that fits 6");
        assertEquals(ExtentList.of(5, 1), allocator.allocate(1, 1), "the 1-block remainder beats the 2-block one");
        assertEquals(ExtentList.of(17, 2), allocator.allocate(2, 1));
        assertEquals(0, allocator.freeBlocks());
    }

    @Test
    void shouldServeARequestNoSingleExtentFitsFromTheLargestExtentsFirst()
    {
        holes();
        final ExtentList extents = allocator.allocate(15, 3);
        assertNotNull(extents);
        assertEquals(ExtentList.ofPacked(new long[]{ExtentList.pack(11, 8), ExtentList.pack(1, 5),
            ExtentList.pack(7, 2)}), extents);
        assertEquals(15, extents.blockCount());
        assertEquals(1, allocator.freeBlocks());
        assertEquals(1, allocator.freeExtentCount());
        assertEquals(ExtentList.of(9, 1), allocator.allocate(1, 1), "the rest of the 3-block hole");
    }

    @Test
    void shouldReturnNullWithoutSideEffectsWhenTheExtentCapOrTheFreeSpaceIsTooSmall()
    {
        holes();
        assertNull(allocator.allocate(15, 2), "15 blocks need 3 extents here");
        assertNull(allocator.allocate(17, 256), "only 16 blocks are free");
        assertEquals(16, allocator.freeBlocks());
        assertEquals(COUNT - 16, allocator.usedBlocks());
        assertEquals(3, allocator.freeExtentCount());
        assertEquals(8, allocator.largestFreeExtent());
        assertEquals(ExtentList.of(7, 3), allocator.allocate(3, 1), "best fit works as before");
        assertEquals(13, allocator.allocate(13, 2).blockCount(), "and the rest is all there");
        assertEquals(0, allocator.freeBlocks());
    }

    @Test
    void shouldMergeFreedExtentsBackIntoOneInAnyOrder()
    {
        final Random random = new Random(7);
        final List<ExtentList> taken = new ArrayList<>();
        long blocks = 0;
        while (blocks < COUNT)
        {
            final long size = Math.min(COUNT - blocks, 1 + random.nextInt(9));
            taken.add(allocator.allocate(size, 1));
            blocks += size;
        }
        assertEquals(0, allocator.freeBlocks());
        Collections.shuffle(taken, random);
        for (int i = 0; i < taken.size(); i++)
        {
            allocator.free(taken.get(i));
            assertTrue(allocator.freeExtentCount() <= i + 1);
        }
        assertEquals(COUNT, allocator.freeBlocks());
        assertEquals(1, allocator.freeExtentCount(), "every free merged with its neighbours");
        assertEquals(COUNT, allocator.largestFreeExtent());
        assertEquals(ExtentList.of(FIRST, COUNT), allocator.allocate(COUNT, 1));
    }

    @Test
    void shouldMergeAFreedMultiExtentAllocation()
    {
        holes();
        final ExtentList scattered = allocator.allocate(16, 3);
        assertNotNull(scattered);
        allocator.free(scattered);
        assertEquals(3, allocator.freeExtentCount());
        assertEquals(16, allocator.freeBlocks());
    }

    @Test
    void shouldRefuseADoubleFreeOrAFreeOutsideTheRange()
    {
        final ExtentList a = allocator.allocate(10, 1);
        final ExtentList b = allocator.allocate(10, 1);
        allocator.free(a);
        final IllegalStateException twice = assertThrows(IllegalStateException.class, () -> allocator.free(a));
        assertTrue(twice.getMessage().contains("double free"), twice.getMessage());
        assertThrows(IllegalStateException.class, () -> allocator.free(ExtentList.of(15, 10)),
            "overlapping a free extent is a double free too");
        assertThrows(IllegalStateException.class, () -> allocator.free(ExtentList.of(0, 1)), "below the range");
        assertThrows(IllegalStateException.class, () -> allocator.free(ExtentList.of(FIRST + COUNT - 1, 2)),
            "past the range");
        assertEquals(COUNT - 10, allocator.freeBlocks(), "refused frees change nothing");
        allocator.free(b);
        assertEquals(COUNT, allocator.freeBlocks());
        assertEquals(1, allocator.freeExtentCount());
    }

    @Test
    void shouldReserveGivenBlocksSplittingTheirFreeExtent()
    {
        allocator.reserve(ExtentList.ofPacked(new long[]{ExtentList.pack(20, 5), ExtentList.pack(50, 10)}));
        assertEquals(COUNT - 15, allocator.freeBlocks());
        assertEquals(3, allocator.freeExtentCount());
        assertEquals(FIRST + COUNT - 60, allocator.largestFreeExtent());
        final IllegalStateException taken = assertThrows(IllegalStateException.class,
            () -> allocator.reserve(ExtentList.of(22, 1)));
        assertTrue(taken.getMessage().contains("22"), taken.getMessage());
        assertEquals(ExtentList.of(25, 25), allocator.allocate(25, 1), "best fit uses the gap between them");
        allocator.free(ExtentList.of(20, 5));
        allocator.free(ExtentList.of(50, 10));
        allocator.free(ExtentList.of(25, 25));
        assertEquals(1, allocator.freeExtentCount());
        assertEquals(COUNT, allocator.freeBlocks());
    }

    @Test
    void shouldRefuseNonPositiveRequests()
    {
        assertThrows(IllegalArgumentException.class, () -> allocator.allocate(0, 1));
        assertThrows(IllegalArgumentException.class, () -> allocator.allocate(1, 0));
        assertThrows(IllegalArgumentException.class, () -> new BlockAllocator(0, 0));
    }

    @Test
    void shouldReuseTheMostRecentlyFreedSmallExtentOfTheSameLengthWhole()
    {
        final ExtentList[] taken = twoExtentsAndTheRest(2);
        final ExtentList a = taken[0];
        final ExtentList b = taken[1];
        allocator.free(a);
        allocator.free(b);
        assertEquals(4, allocator.freeBlocks());
        assertEquals(b, allocator.allocate(2, 1), "the extent freed last comes back first");
        assertEquals(a, allocator.allocate(2, 1));
        assertEquals(0, allocator.freeBlocks());
        assertNull(allocator.allocate(1, 1));
    }

    @Test
    void shouldMergeStackedExtentsWhenNoFreeExtentFitsARequest()
    {
        final List<ExtentList> singles = new ArrayList<>();
        for (int i = 0; i < 16; i++)
        {
            singles.add(allocator.allocate(1, 1));
        }
        allocator.allocate(COUNT - 16, 1);
        Collections.shuffle(singles, new Random(3));
        singles.forEach(allocator::free);
        assertEquals(16, allocator.freeBlocks());
        assertEquals(ExtentList.of(FIRST, 16), allocator.allocate(16, 1),
            "sixteen freed single blocks serve a 16-block request as one extent");
        assertEquals(0, allocator.freeBlocks());
    }

    @Test
    void shouldRefuseADoubleFreeOfAStackedExtentAndChangeNothing()
    {
        final ExtentList[] taken = twoExtentsAndTheRest(3);
        final ExtentList a = taken[0];
        final ExtentList b = taken[1];
        allocator.free(a);
        final IllegalStateException twice = assertThrows(IllegalStateException.class, () -> allocator.free(a));
        assertTrue(twice.getMessage().contains("double free") && twice.getMessage().contains("1+3"),
            twice.getMessage());
        assertThrows(IllegalStateException.class, () -> allocator.free(ExtentList.of(2, 1)),
            "a block inside a stacked extent");
        assertThrows(IllegalStateException.class, () -> allocator.free(ExtentList.ofPacked(new long[]{
            ExtentList.pack(4, 3), ExtentList.pack(3, 1)})), "a list whose second extent is free");
        assertEquals(3, allocator.freeBlocks(), "refused frees change nothing, not even the valid first extent");
        allocator.free(b);
        assertEquals(1, allocator.freeExtentCount());
        assertEquals(6, allocator.largestFreeExtent());
    }

    @Test
    void shouldCatchADoubleFreeOfOneBlockAtAnyBitmapWordBoundary()
    {
        final BlockAllocator big = new BlockAllocator(0, 300);
        assertEquals(ExtentList.of(0, 300), big.allocate(300, 1));
        for (final long block : new long[]{0, 62, 63, 64, 65, 127, 128, 191, 255, 256, 299})
        {
            big.free(ExtentList.of(block, 1));
            final long start = Math.max(0, block - 39);
            final long end = Math.min(300, block + 2);
            final IllegalStateException twice = assertThrows(IllegalStateException.class,
                () -> big.free(ExtentList.of(start, end - start)), "a run over free block " + block);
            assertTrue(twice.getMessage().contains("include block " + block), twice.getMessage());
            assertEquals(ExtentList.of(block, 1), big.allocate(1, 1), "block " + block + " comes back");
        }
        assertEquals(0, big.freeBlocks());
        big.free(ExtentList.of(1, 298));
        assertThrows(IllegalStateException.class, () -> big.free(ExtentList.of(0, 300)), "the whole range");
        big.free(ExtentList.of(0, 1));
        big.free(ExtentList.of(299, 1));
        assertEquals(1, big.freeExtentCount());
        assertEquals(300, big.largestFreeExtent());
    }

    @Test
    void shouldKeepEveryBlockOwnedOnceAcrossRandomAllocationsAndFrees()
    {
        final int count = 2000;
        final BlockAllocator big = new BlockAllocator(FIRST, count);
        final Random random = new Random(11);
        final List<ExtentList> held = new ArrayList<>();
        final boolean[] owned = new boolean[count];
        long used = 0;
        for (int step = 0; step < 20_000; step++)
        {
            if (held.isEmpty() || random.nextInt(100) < 55)
            {
                final long size = random.nextInt(10) == 0 ? 17 + random.nextInt(60) : 1 + random.nextInt(16);
                final int maxExtents = 1 + random.nextInt(4);
                final ExtentList extents = big.allocate(size, maxExtents);
                if (extents == null)
                {
                    assertTrue(longestFreeRuns(owned, maxExtents) < size,
                        "a request fails only when the longest " + maxExtents + " free runs hold less than " + size);
                    continue;
                }
                assertTrue(extents.size() <= maxExtents);
                assertEquals(size, extents.blockCount());
                for (int i = 0; i < extents.size(); i++)
                {
                    for (long b = extents.firstBlock(i); b < extents.firstBlock(i) + extents.count(i); b++)
                    {
                        assertTrue(!owned[(int)(b - FIRST)], "block " + b + " handed out twice");
                        owned[(int)(b - FIRST)] = true;
                    }
                }
                held.add(extents);
                used += size;
            }
            else
            {
                final ExtentList extents = held.remove(random.nextInt(held.size()));
                big.free(extents);
                for (int i = 0; i < extents.size(); i++)
                {
                    for (long b = extents.firstBlock(i); b < extents.firstBlock(i) + extents.count(i); b++)
                    {
                        owned[(int)(b - FIRST)] = false;
                    }
                }
                used -= extents.blockCount();
            }
            assertEquals(count - used, big.freeBlocks());
        }
        held.forEach(big::free);
        assertEquals(1, big.freeExtentCount(), "everything merged back");
        assertEquals(count, big.largestFreeExtent());
    }

    @Test
    void shouldMergeFreesBeyondAFullStackIntoTheTrees()
    {
        final int count = BlockAllocator.STACK_DEPTH * 2 + 10;
        final BlockAllocator big = new BlockAllocator(0, count);
        final List<ExtentList> singles = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            singles.add(big.allocate(1, 1));
        }
        for (int i = 0; i < count; i += 2)
        {
            big.free(singles.get(i));
        }
        assertEquals((count + 1) / 2, big.freeBlocks(), "every other block, stacked or not");
        for (int i = 1; i < count; i += 2)
        {
            big.free(singles.get(i));
        }
        assertEquals(count, big.freeBlocks());
        assertEquals(ExtentList.of(0, count), big.allocate(count, 1), "all of it merged back into one extent");
    }

    @Test
    void shouldRebuildFreeSpaceAndItsBitmapFromUsedBlocks()
    {
        final java.util.BitSet used = new java.util.BitSet();
        used.set(0, 3);
        used.set(63, 66);
        used.set(129);
        final BlockAllocator rebuilt = BlockAllocator.withUsed(5, 131, used);
        assertEquals(131 - 7, rebuilt.freeBlocks());
        assertEquals(3, rebuilt.freeExtentCount(), "8+60, 71+63 and 135+1");
        assertEquals(63, rebuilt.largestFreeExtent());
        assertThrows(IllegalStateException.class, () -> rebuilt.free(ExtentList.of(66, 3)),
            "blocks 66 and 67 are free");
        rebuilt.free(ExtentList.of(68, 3));
        rebuilt.free(ExtentList.of(5, 3));
        rebuilt.free(ExtentList.of(134, 1));
        assertEquals(131, rebuilt.freeBlocks());
        assertEquals(ExtentList.of(5, 131), rebuilt.allocate(131, 1));
    }

    /** Takes two extents of {@code length} blocks from the start of the range, then the rest; returns the two. */
    private ExtentList[] twoExtentsAndTheRest(final int length)
    {
        final ExtentList[] two = {allocator.allocate(length, 1), allocator.allocate(length, 1)};
        allocator.allocate(COUNT - 2L * length, 1);
        assertEquals(0, allocator.freeBlocks());
        return two;
    }

    /** The blocks in the longest {@code n} runs of unowned blocks. */
    private static long longestFreeRuns(final boolean[] owned, final int n)
    {
        final List<Integer> runs = new ArrayList<>();
        int run = 0;
        for (final boolean o : owned)
        {
            if (o)
            {
                if (run > 0)
                {
                    runs.add(run);
                }
                run = 0;
            }
            else
            {
                run++;
            }
        }
        if (run > 0)
        {
            runs.add(run);
        }
        runs.sort(Collections.reverseOrder());
        long sum = 0;
        for (int i = 0; i < Math.min(n, runs.size()); i++)
        {
            sum += runs.get(i);
        }
        return sum;
    }

    /**
     * Leaves free extents 1+5, 7+3 and 11+8 (16 blocks), separated by used single blocks.
     */
    private void holes()
    {
        final ExtentList a = allocator.allocate(5, 1);
        allocator.allocate(1, 1);
        final ExtentList c = allocator.allocate(3, 1);
        allocator.allocate(1, 1);
        final ExtentList e = allocator.allocate(8, 1);
        allocator.allocate(COUNT - 18, 1);
        assertEquals(0, allocator.freeBlocks());
        allocator.free(a);
        allocator.free(c);
        allocator.free(e);
        assertEquals(ExtentList.of(1, 5), a);
        assertEquals(ExtentList.of(7, 3), c);
        assertEquals(ExtentList.of(11, 8), e);
        assertEquals(16, allocator.freeBlocks());
        assertEquals(3, allocator.freeExtentCount());
    }
}
