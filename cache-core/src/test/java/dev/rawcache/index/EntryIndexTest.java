package dev.rawcache.index;

import dev.rawcache.io.block.ExtentList;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Covers the index's recency order and victim choice: LRU order through puts and hits, replacement, removal,
 * expired entries first (soonest first), and skipping pinned entries and the key being stored.
 */
class EntryIndexTest
{
    private static final long NOW = 1_000_000;

    private final EntryIndex index = new EntryIndex();
    private long sequence;

    @Test
    void shouldKeepKeysInLeastToMostRecentlyUsedOrder()
    {
        final Entry a = put("a", 0);
        put("b", 0);
        final Entry c = put("c", 0);
        assertEquals(List.of("a", "b", "c"), order());
        index.recordAccess(a);
        assertEquals(List.of("b", "c", "a"), order());
        index.recordAccess(a);
        index.recordAccess(c);
        assertEquals(List.of("b", "a", "c"), order());
        assertSame(a, index.get("a"));
        assertEquals(3, index.size());
    }

    @Test
    void shouldReplaceAnEntryOfTheSameKeyAndMakeItMostRecent()
    {
        final Entry old = put("a", 0);
        put("b", 0);
        final Entry fresh = entry("a", 0);
        index.lock();
        try
        {
            assertSame(old, index.putLocked(fresh), "the replaced entry is handed back");
        }
        finally
        {
            index.unlock();
        }
        assertSame(fresh, index.get("a"));
        assertEquals(List.of("b", "a"), order());
        index.recordAccess(old);
        assertEquals(List.of("b", "a"), order(), "a hit on a replaced entry changes nothing");
    }

    @Test
    void shouldRemoveByKeyAndOnlyTheEntryStillMapped()
    {
        final Entry a = put("a", 0);
        put("b", 0);
        index.lock();
        try
        {
            assertSame(a, index.removeLocked("a"));
            assertNull(index.removeLocked("a"));
            final Entry stale = entry("b", 0);
            assertFalse(index.removeLocked(stale), "another entry of the key is not removed");
            assertTrue(index.removeLocked(index.get("b")));
        }
        finally
        {
            index.unlock();
        }
        assertEquals(List.of(), order());
        assertEquals(0, index.size());
    }

    @Test
    void shouldPickTheLeastRecentlyUsedEntryAsVictim()
    {
        final Entry a = put("a", 0);
        final Entry b = put("b", 0);
        assertSame(a, victim(null));
        index.recordAccess(a);
        assertSame(b, victim(null));
    }

    @Test
    void shouldSkipEntriesPinnedByReadersAndTheSparedKey()
    {
        final Entry a = put("a", 0);
        final Entry b = put("b", 0);
        final Entry c = put("c", 0);
        assertTrue(a.tryPin());
        assertSame(b, victim(null), "a pinned entry is skipped");
        assertSame(c, victim("b"), "the key being stored is spared");
        assertTrue(c.tryPin());
        assertSame(b, victim("b"), "the key being stored goes last, when nothing else can");
        assertTrue(b.tryPin());
        assertNull(victim("b"), "no victim when every entry is pinned");
        assertFalse(a.unpin());
        assertSame(a, victim("b"), "unpinned again, it is the least recent");
    }

    @Test
    void shouldPickExpiredEntriesFirstSoonestExpiredFirstEvenIfRecentlyUsedOrPinned()
    {
        put("lru", 0);
        final Entry late = put("late", NOW - 10);
        final Entry early = put("early", NOW - 500);
        final Entry future = put("future", NOW + 1_000);
        index.recordAccess(early);
        index.recordAccess(late);
        assertTrue(early.tryPin());
        assertSame(early, victim(null), "the soonest-expired entry goes first, pinned or not");
        assertSame(early, victim("early"), "even when its key is being stored");
        remove(early);
        assertSame(late, victim(null));
        remove(late);
        assertEquals("lru", victim(null).key(), "then the least recently used");
        assertFalse(future.isExpired(NOW));
        assertTrue(future.isExpired(NOW + 1_000), "expiry is inclusive of its instant");
    }

    @Test
    void shouldPlanEnoughEvictionsOrNoneAtAll()
    {
        final Entry a = put("a", 0);
        final Entry b = put("b", 0);
        final Entry c = put("c", 0);
        final long each = a.extents().blockCount();
        assertEquals(List.of(a, b), plan(null, each + 1), "the two least recent free enough");
        assertEquals(List.of(a, c, b), plan("b", 3 * each), "the spared key's entry comes last");
        assertTrue(b.tryPin());
        assertNull(plan(null, 3 * each), "with b pinned, all the others together are too few: evict nothing");
        assertEquals(3, index.size());
    }

    @Test
    void shouldApplyAHitRecordedWhileTheLockWasHeldAtTheNextLock() throws Exception
    {
        final Entry a = put("a", 0);
        put("b", 0);
        final CountDownLatch locked = new CountDownLatch(1);
        final CountDownLatch recorded = new CountDownLatch(1);
        final Thread holder = Thread.ofPlatform().start(() ->
        {
            index.lock();
            try
            {
                locked.countDown();
                recorded.await(30, TimeUnit.SECONDS);
            }
            catch (final InterruptedException e)
            {
                Thread.currentThread().interrupt();
            }
            finally
            {
                index.unlock();
            }
        });
        assertTrue(locked.await(30, TimeUnit.SECONDS));
        index.recordAccess(a);
        recorded.countDown();
        holder.join();
        assertEquals(List.of("b", "a"), order(), "the buffered hit is applied by the next lock holder");
    }

    @Test
    void shouldSnapshotInEvictionOrderWhileHitsMoveTheStamps() throws Exception
    {
        final int n = 20_000;
        final Entry[] entries = new Entry[n];
        for (int i = 0; i < n; i++)
        {
            entries[i] = put("k" + i, 0);
        }
        final Entry[] quiet = index.snapshotInEvictionOrder();
        for (int i = 0; i < n; i++)
        {
            assertSame(entries[i], quiet[i], "with no hits the snapshot is the exact LRU order");
        }
        final java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        final Thread hitter = Thread.ofPlatform().start(() ->
        {
            final java.util.SplittableRandom random = new java.util.SplittableRandom(1);
            while (!stop.get())
            {
                index.recordAccess(entries[random.nextInt(n)]);
            }
        });
        try
        {
            // Sorting by live stamps made TimSort throw "Comparison method violates its general contract" here.
            for (int round = 0; round < 50; round++)
            {
                final Entry[] snapshot = index.snapshotInEvictionOrder();
                assertEquals(n, snapshot.length);
                assertEquals(n, java.util.Set.of(snapshot).size(), "every entry once");
            }
        }
        finally
        {
            stop.set(true);
            hitter.join();
        }
    }

    @Test
    void shouldLeaveHitsOnTheMostRecentSixteenthOfALargeIndexWhereTheyAre()
    {
        final int n = EntryIndex.YOUNG_WINDOW_MIN_ENTRIES * 2;
        final Entry[] entries = putAll(n);
        final int window = n / 16;
        final Entry young = entries[n - window + 1];
        final Entry old = entries[n - window - 1];
        index.recordAccess(young);
        index.recordAccess(entries[0]);
        index.recordAccess(old);
        final List<String> order = order();
        assertEquals(n - window + 1 - 2, order.indexOf("k" + (n - window + 1)),
            "a hit inside the young window leaves the entry where it was (two older entries now rank after it)");
        assertEquals(List.of("k0", "k" + (n - window - 1)), order.subList(n - 2, n),
            "hits outside the window rank their entries last, in the order they had last moved");
        assertEquals("k1", order.get(0));
    }

    @Test
    void shouldGiveEntriesHitInALargeIndexASecondChanceInsteadOfMovingThemOnTheHit()
    {
        final int n = EntryIndex.YOUNG_WINDOW_MIN_ENTRIES * 2;
        final Entry[] entries = putAll(n);
        index.recordAccess(entries[5]);
        index.recordAccess(entries[2]);
        final List<String> expected = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++)
        {
            if (i != 2 && i != 5)
            {
                expected.add("k" + i);
            }
        }
        expected.add("k2");
        expected.add("k5");
        assertEquals(expected, order(), "entries not hit first, then the hit ones in the order they had moved last");

        final List<Entry> victims = plan(null, 3);
        assertEquals(List.of("k0", "k1", "k3"), victims.stream().map(Entry::key).toList(),
            "the hit entries are passed over, not evicted");
        assertEquals(expected, order(), "the walk moved k2 to the most recent end, as the order said it would");
    }

    @Test
    void shouldBoundTheSecondChancesOfOneEvictionWalk()
    {
        final int n = EntryIndex.YOUNG_WINDOW_MIN_ENTRIES * 2;
        final Entry[] entries = putAll(n);
        // Every entry outside the young window hit: one walk may move at most 4 per block wanted + 1,024 of them.
        final int window = n / 16;
        for (int i = 0; i < n - window; i++)
        {
            index.recordAccess(entries[i]);
        }
        final List<Entry> victims = plan(null, 1);
        assertEquals(1, victims.size());
        assertEquals("k" + (4 + 1024), victims.get(0).key(),
            "after 1,028 second chances the walk evicts the next hit entry");
        final List<String> order = order();
        assertEquals("k" + (n - window), order.get(0), "the young entries, never marked, rank first now");
        assertEquals("k0", order.get(window), "then the entries the walk moved, their marks cleared");
        assertEquals("k1028", order.get(window + 1028), "then the ones still marked, the planned victim first");
    }

    @Test
    void shouldKeepTheExactOrderInASmallIndex()
    {
        final int n = EntryIndex.YOUNG_WINDOW_MIN_ENTRIES - 1;
        final Entry[] entries = putAll(n);
        index.recordAccess(entries[n - 2]);
        final List<String> order = order();
        assertEquals(List.of("k" + (n - 1), "k" + (n - 2)), order.subList(n - 2, n));
    }

    /** Puts {@code n} entries without expiry, keys {@code k0} to {@code k<n-1>}, oldest first. */
    private Entry[] putAll(final int n)
    {
        final Entry[] entries = new Entry[n];
        for (int i = 0; i < n; i++)
        {
            entries[i] = put("k" + i, 0);
        }
        return entries;
    }

    private Entry put(final String key, final long expiresAt)
    {
        final Entry entry = entry(key, expiresAt);
        index.lock();
        try
        {
            assertNull(index.putLocked(entry));
        }
        finally
        {
            index.unlock();
        }
        return entry;
    }

    private void remove(final Entry entry)
    {
        index.lock();
        try
        {
            assertTrue(index.removeLocked(entry));
        }
        finally
        {
            index.unlock();
        }
    }

    private Entry victim(final String spared)
    {
        final List<Entry> plan = plan(spared, 1);
        return plan == null ? null : plan.get(0);
    }

    private List<Entry> plan(final String spared, final long blocks)
    {
        index.lock();
        try
        {
            return index.planEvictionLocked(NOW, spared, blocks);
        }
        finally
        {
            index.unlock();
        }
    }

    private List<String> order()
    {
        index.lock();
        try
        {
            return index.keysInEvictionOrderLocked();
        }
        finally
        {
            index.unlock();
        }
    }

    private Entry entry(final String key, final long expiresAt)
    {
        final long seq = ++sequence;
        return new Entry(key, key.getBytes(StandardCharsets.UTF_8), seq, ExtentList.of(seq, 1), 80, 100, 0,
            NOW - 1_000, expiresAt, true);
    }
}
