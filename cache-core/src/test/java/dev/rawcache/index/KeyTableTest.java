package dev.rawcache.index;

import dev.rawcache.io.block.ExtentList;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The index's open-addressing table: mapping, replacing and removing; growth and the rebuilds that clear
 * tombstones; colliding hashes; and readers that look up keys present throughout while a writer churns other keys
 * (and so grows and rebuilds the table) never miss and never get another key's entry.
 */
class KeyTableTest
{
    private long sequence;

    @Test
    void shouldMapReplaceAndRemoveEntriesByKey()
    {
        final KeyTable table = new KeyTable(0);
        final Entry a1 = entry("a");
        final Entry b1 = entry("b");
        assertNull(table.put(a1));
        assertNull(table.put(b1));
        assertSame(a1, table.get("a"));
        assertSame(a1, table.get(new String("a".toCharArray())), "equal keys, not only the same instance");
        assertNull(table.get("c"));
        assertEquals(2, table.size());

        final Entry a2 = entry("a");
        assertSame(a1, table.put(a2), "the replaced entry is returned");
        assertSame(a2, table.get("a"));
        assertEquals(2, table.size());

        assertFalse(table.remove(a1), "an entry no longer mapped is not removed");
        assertSame(a2, table.get("a"));
        assertTrue(table.remove(a2));
        assertNull(table.get("a"));
        assertSame(b1, table.remove("b"));
        assertNull(table.remove("b"));
        assertEquals(0, table.size());
        assertEquals(0, table.values().length);
    }

    @Test
    void shouldGrowAndClearTombstonesWithoutLosingAnEntry()
    {
        final KeyTable table = new KeyTable(4);
        final int initial = table.capacity();
        final Entry[] live = new Entry[5_000];
        for (int i = 0; i < live.length; i++)
        {
            live[i] = entry("key-" + i);
            assertNull(table.put(live[i]));
        }
        assertTrue(table.capacity() > initial, "grew");
        assertTrue(table.capacity() >= 2 * live.length, "kept at most half full");
        final int grown = table.capacity();
        // Remove and re-add far more keys than the table has slots: tombstones must be cleared, not pile up.
        for (int round = 0; round < 20; round++)
        {
            for (int i = 0; i < live.length; i += 2)
            {
                assertSame(live[i], table.remove(live[i].key()));
            }
            for (int i = 0; i < live.length; i += 2)
            {
                live[i] = entry(live[i].key());
                assertNull(table.put(live[i]));
            }
        }
        assertEquals(grown, table.capacity(), "churn at a steady size does not grow the table");
        assertEquals(live.length, table.size());
        for (final Entry e : live)
        {
            assertSame(e, table.get(e.key()));
        }
        final Set<Entry> values = new HashSet<>(Arrays.asList(table.values()));
        assertEquals(new HashSet<>(Arrays.asList(live)), values);
    }

    @Test
    void shouldTellKeysWithTheSameHashApart()
    {
        // "Aa" and "BB" have the same String hash code, so the same spread hash and the same probe chain.
        assertEquals("Aa".hashCode(), "BB".hashCode());
        final KeyTable table = new KeyTable(0);
        final Entry aa = entry("Aa");
        final Entry bb = entry("BB");
        final Entry aaBb = entry("AaBB");
        final Entry bbAa = entry("BBAa");
        for (final Entry e : new Entry[]{aa, bb, aaBb, bbAa})
        {
            assertNull(table.put(e));
        }
        assertSame(bb, table.get("BB"));
        assertSame(aaBb, table.get("AaBB"));
        assertSame(aa, table.remove("Aa"));
        assertSame(bb, table.get("BB"), "found past the tombstone of its colliding neighbour");
        assertSame(bbAa, table.get("BBAa"));
        assertNull(table.get("Aa"));
        final Entry aa2 = entry("Aa");
        assertNull(table.put(aa2));
        assertSame(aa2, table.get("Aa"));
        assertSame(bb, table.get("BB"));
    }

    @Test
    void shouldNeverHideAnEntryFromReadersWhileAWriterChurnsOtherKeys() throws Exception
    {
        final KeyTable table = new KeyTable(0);
        final Entry[] stable = new Entry[2_000];
        for (int i = 0; i < stable.length; i++)
        {
            stable[i] = entry("stable-" + i);
            table.put(stable[i]);
        }
        final AtomicBoolean done = new AtomicBoolean();
        final AtomicReference<String> failure = new AtomicReference<>();
        final AtomicLong lookups = new AtomicLong();
        final Thread[] readers = new Thread[2];
        for (int r = 0; r < readers.length; r++)
        {
            final int seed = r;
            readers[r] = Thread.ofPlatform().start(() ->
            {
                final SplittableRandom random = new SplittableRandom(seed);
                long n = 0;
                while (!done.get() && failure.get() == null)
                {
                    final int i = random.nextInt(stable.length);
                    final Entry found = table.get(stable[i].key());
                    if (found != stable[i])
                    {
                        failure.set("lookup of " + stable[i].key() + " returned " + found);
                    }
                    n++;
                }
                lookups.addAndGet(n);
            });
        }
        // The writer: inserts and removes churn keys, growing the table from 4,096 to 131,072 slots and rebuilding
        // it again and again to clear tombstones; the stable keys are never touched.
        final SplittableRandom random = new SplittableRandom(42);
        int rebuildsSeen = 0;
        int lastCapacity = table.capacity();
        final String[] churn = new String[50_000];
        for (int round = 0; round < 6 && failure.get() == null; round++)
        {
            for (int i = 0; i < churn.length; i++)
            {
                churn[i] = "churn-" + round + "-" + i;
                table.put(entry(churn[i]));
            }
            for (int i = 0; i < churn.length; i++)
            {
                final int j = random.nextInt(churn.length);
                if (churn[j] != null)
                {
                    table.remove(churn[j]);
                    churn[j] = null;
                }
            }
            for (final String key : churn)
            {
                if (key != null)
                {
                    table.remove(key);
                }
            }
            if (table.capacity() != lastCapacity)
            {
                rebuildsSeen++;
                lastCapacity = table.capacity();
            }
        }
        done.set(true);
        for (final Thread reader : readers)
        {
            reader.join(30_000);
        }
        assertNull(failure.get(), failure.get());
        assertTrue(rebuildsSeen > 0, "the table grew under the readers");
        assertTrue(lookups.get() > 0);
        assertEquals(stable.length, table.size());
        for (final Entry e : stable)
        {
            assertSame(e, table.get(e.key()));
        }
    }

    @Test
    void shouldRefuseTheSeventeenthKeyOfOneHashCodeButNotAReplacement()
    {
        final String[] colliding = collidingKeys(5); // 32 keys with one String hash code
        final KeyTable table = new KeyTable(0);
        for (int i = 0; i < KeyTable.MAX_SAME_HASH; i++)
        {
            final Entry e = entry(colliding[i]);
            assertNull(table.refusal(e), "key " + i + " of the group is taken");
            assertNull(table.put(e));
        }
        final Entry seventeenth = entry(colliding[KeyTable.MAX_SAME_HASH]);
        final String refusal = table.refusal(seventeenth);
        assertTrue(refusal != null && refusal.contains("16") && refusal.contains(colliding[KeyTable.MAX_SAME_HASH]),
            refusal);
        assertNull(table.refusal(entry(colliding[3])), "a replacement of a key in the group is always taken");
        assertNull(table.refusal(entry("unrelated")), "another hash code is not limited");
        for (int i = 0; i < KeyTable.MAX_SAME_HASH; i++)
        {
            assertEquals(colliding[i], table.get(colliding[i]).key());
        }
        assertNull(table.get(colliding[KeyTable.MAX_SAME_HASH]));
        assertSame(table.get(colliding[0]), table.remove(colliding[0]));
        assertNull(table.refusal(seventeenth), "room again once one of the group is gone");
    }

    /** 2^blocks distinct strings with the same {@code String.hashCode()}: "Aa" and "BB" hash alike. */
    static String[] collidingKeys(final int blocks)
    {
        final String[] keys = new String[1 << blocks];
        for (int n = 0; n < keys.length; n++)
        {
            final StringBuilder b = new StringBuilder("GET /");
            for (int bit = 0; bit < blocks; bit++)
            {
                b.append((n >>> bit & 1) == 0 ? "Aa" : "BB");
            }
            keys[n] = b.toString();
        }
        for (final String key : keys)
        {
            assertEquals(keys[0].hashCode(), key.hashCode());
        }
        return keys;
    }

    private Entry entry(final String key)
    {
        final long seq = ++sequence;
        return new Entry(key, key.getBytes(StandardCharsets.UTF_8), seq, ExtentList.of(seq, 1), 80, 100, 0, 0, 0,
            true);
    }
}
