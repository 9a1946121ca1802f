package dev.rawcache;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Keys that share one {@code String} hash code (a client can make as many as it likes, since "Aa" and "BB" hash
 * alike) are cached up to the index's limit of sixteen; a store of one more is refused with a reason and loses
 * nothing: the other keys and their values stay, the refused key's old value too, and its blocks come back.
 */
class HashFloodingTest
{
    @TempDir
    Path dir;

    @Test
    void shouldRefuseOneKeyTooManyWithOneHashCodeAndKeepEverythingElse()
    {
        final String[] keys = new String[32];
        for (int n = 0; n < keys.length; n++)
        {
            final StringBuilder b = new StringBuilder("GET /flood/");
            for (int bit = 0; bit < 5; bit++)
            {
                b.append((n >>> bit & 1) == 0 ? "Aa" : "BB");
            }
            keys[n] = b.toString();
            assertEquals(keys[0].hashCode(), keys[n].hashCode());
        }
        try (RawDiskCache cache = RawDiskCache.open(CacheConfig.builder(dir.resolve("flood.cache"))
            .capacityBytes(8L << 20).build()))
        {
            for (int n = 0; n < 16; n++)
            {
                cache.store(keys[n], Values.of(keys[n], 1, 1000 + n));
            }
            final long free = cache.stats().freeBlocks();
            final IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> cache.store(keys[16], Values.of(keys[16], 1, 500)));
            assertTrue(e.getMessage().contains(keys[16]) && e.getMessage().contains("(16)"), e.getMessage());
            assertEquals(free, cache.stats().freeBlocks(), "the refused store's blocks came back");
            assertNull(cache.lookup(keys[16]));
            assertEquals(1, cache.stats().storeFailures());
            assertEquals(16, cache.stats().entries());
            for (int n = 0; n < 16; n++)
            {
                Values.assertLookup(keys[n], 1, 1000 + n, cache.lookup(keys[n]));
            }
            // A key of the group can be stored again (a replacement), and once one goes, another may come in.
            cache.store(keys[3], Values.of(keys[3], 2, 700));
            Values.assertLookup(keys[3], 2, 700, cache.lookup(keys[3]));
            assertTrue(cache.remove(keys[0]));
            cache.store(keys[16], Values.of(keys[16], 1, 500));
            Values.assertLookup(keys[16], 1, 500, cache.lookup(keys[16]));
        }
    }
}
