package dev.rawcache;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Freshness windows (RFC 5861): an entry is fresh, then stale-while-revalidate, then stale-if-error, then gone; the
 * windows survive a restart and a metadata update; an entry stored with a plain TTL is fresh until it expires.
 */
class FreshnessTest
{
    @TempDir
    Path dir;

    private CacheConfig config(final ManualClock clock)
    {
        return CacheConfig.builder(dir.resolve("fresh.cache")).capacityBytes(8L << 20).clock(clock).build();
    }

    private static Freshness.State stateOf(final RawDiskCache cache, final String key, final ManualClock clock)
    {
        try (EntryReader reader = cache.openReader(key))
        {
            return reader == null ? Freshness.State.EXPIRED : reader.freshness().state(clock.millis());
        }
    }

    @Test
    void shouldMoveThroughTheFreshnessWindowsAcrossARestartAndAMetadataUpdate()
    {
        final ManualClock clock = new ManualClock();
        try (RawDiskCache cache = RawDiskCache.open(config(clock)))
        {
            try (EntryWriter writer = cache.openWriter("page", ByteBuffer.wrap("etag: a".getBytes()),
                WriteOptions.defaults().withFreshness(Duration.ofSeconds(60), Duration.ofSeconds(30),
                    Duration.ofSeconds(120))))
            {
                writer.write(Values.buffer("page", 1, 9000));
                writer.commit();
            }
            assertEquals(Freshness.State.FRESH, stateOf(cache, "page", clock));
            clock.advance(Duration.ofSeconds(61));
            assertEquals(Freshness.State.STALE_WHILE_REVALIDATE, stateOf(cache, "page", clock));
            assertTrue(cache.updateMetadata("page", ByteBuffer.wrap("etag: b".getBytes())));
            assertEquals(Freshness.State.STALE_WHILE_REVALIDATE, stateOf(cache, "page", clock),
                "a metadata update keeps the windows");
        }
        try (RawDiskCache cache = RawDiskCache.open(config(clock)))
        {
            assertEquals(Freshness.State.STALE_WHILE_REVALIDATE, stateOf(cache, "page", clock), "after a restart");
            clock.advance(Duration.ofSeconds(30));
            assertEquals(Freshness.State.STALE_IF_ERROR, stateOf(cache, "page", clock));
            Values.assertLookup("page", 1, 9000, cache.lookup("page"));
            clock.advance(Duration.ofSeconds(90));
            assertNull(cache.lookup("page"), "gone after the last window");
            assertEquals(Freshness.State.EXPIRED, stateOf(cache, "page", clock));
        }
    }

    @Test
    void shouldTreatAPlainTtlAsFreshUntilItExpires()
    {
        final ManualClock clock = new ManualClock();
        try (RawDiskCache cache = RawDiskCache.open(config(clock)))
        {
            cache.store("k", Values.buffer("k", 1, 100), Duration.ofSeconds(10));
            cache.store("forever", Values.buffer("forever", 1, 100));
            try (EntryReader reader = cache.openReader("k"))
            {
                assertEquals(clock.millis() + 10_000, reader.freshness().freshUntilMillis());
                assertEquals(Freshness.State.FRESH, reader.freshness().state(clock.millis()));
            }
            clock.advance(Duration.ofSeconds(11));
            assertNull(cache.openReader("k"));
            assertEquals(Freshness.State.FRESH, stateOf(cache, "forever", clock));
            assertThrows(IllegalArgumentException.class, () -> WriteOptions.defaults().withFreshness(Duration.ZERO,
                null, null));
            assertThrows(IllegalArgumentException.class, () -> WriteOptions.defaults().withFreshness(
                Duration.ofSeconds(1), Duration.ofSeconds(-1), null));
        }
    }
}
