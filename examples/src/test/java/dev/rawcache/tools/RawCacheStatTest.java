package dev.rawcache.tools;

import dev.rawcache.CacheConfig;
import dev.rawcache.CacheStats;
import dev.rawcache.CachedEntry;
import dev.rawcache.RawDiskCache;
import dev.rawcache.ZeroCopyStats;
import dev.rawcache.stats.CacheCounter;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.RecordComponent;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RawCacheStatTest
{
    private static final int BLOCK_SIZE = 4096;
    private static final long CAPACITY = 4L << 20;

    @TempDir
    Path dir;

    @Test
    void shouldPrintEveryCounterWithTheValueTheCacheReports() throws IOException
    {
        final Path file = dir.resolve("stat.cache");
        try (RawDiskCache cache = openCache(file))
        {
            exercise(cache);
            final CacheStats stats = cache.stats();
            final ZeroCopyStats zeroCopy = cache.zeroCopyStats();

            final Result result = stat(false, file.toString());

            assertEquals(RawCacheStat.EXIT_OK, result.code(), result.err());
            assertEquals("", result.err());
            final Map<String, Long> printed = parseCounters(result.out());
            final Map<String, Long> expected = componentsOf(stats);
            expected.putAll(componentsOf(zeroCopy));
            assertEquals(CacheCounter.values().length, expected.size(), "every counter is in one of the records");
            for (final CacheCounter counter : CacheCounter.values())
            {
                final String name = RawCacheStat.jsonName(counter);
                assertEquals(expected.get(name), printed.get(counter.label()), counter.label() + " in\n" +
                    result.out());
            }
            assertTrue(stats.hits() > 0 && stats.misses() > 0 && zeroCopy.mmapReads() > 0 &&
                zeroCopy.sendfileTransfers() > 0, "the exercise touched every read path: " + stats + zeroCopy);
        }
    }

    @Test
    void shouldPrintGeometryOwnerAndDerivedRatios() throws IOException
    {
        final Path file = dir.resolve("geometry.cache");
        try (RawDiskCache cache = openCache(file))
        {
            exercise(cache);
            final CacheStats stats = cache.stats();
            final long dataBlocks = cache.superblock().dataBlockCount();

            final String out = stat(false, file.toString()).out();

            assertEquals(4096, valueOf(out, "block size"));
            assertEquals(CAPACITY / BLOCK_SIZE, valueOf(out, "blocks"));
            assertEquals(dataBlocks, valueOf(out, "data blocks"));
            assertEquals(CAPACITY, valueOf(out, "capacity"));
            assertTrue(out.contains(String.format("0x%016x", cache.superblock().creationId())), out);
            assertTrue(line(out, "owner pid").matches("\\s+owner pid\\s+" + ProcessHandle.current().pid() +
                "\\s+running"), out);
            final double hitRatio = 100.0 * stats.hits() / (stats.hits() + stats.misses());
            assertTrue(line(out, "hit ratio").contains(String.format("%.2f %%", hitRatio)), out);
            final double used = 100.0 * stats.usedBlocks() / dataBlocks;
            assertTrue(line(out, "used").contains(String.format("%.2f %%", used)), out);
        }
    }

    @Test
    void shouldPrintOneJsonObjectWithTheCacheStats() throws IOException
    {
        final Path file = dir.resolve("json.cache");
        try (RawDiskCache cache = openCache(file))
        {
            exercise(cache);
            final Map<String, Long> expected = componentsOf(cache.stats());
            expected.putAll(componentsOf(cache.zeroCopyStats()));

            final Result result = stat(false, file.toString(), "--json");

            assertEquals(RawCacheStat.EXIT_OK, result.code(), result.err());
            final String json = result.out().strip();
            assertFalse(json.contains("\n"), "one line: " + json);
            assertTrue(json.startsWith("{") && json.endsWith("}"), json);
            for (final Map.Entry<String, Long> component : expected.entrySet())
            {
                assertEquals(component.getValue(), jsonNumber(json, component.getKey()), component.getKey());
            }
            assertEquals(BLOCK_SIZE, jsonNumber(json, "blockSize"));
            assertEquals(CAPACITY, jsonNumber(json, "capacityBytes"));
            assertEquals(ProcessHandle.current().pid(), jsonNumber(json, "pid"));
            assertTrue(json.contains("\"state\":\"running\""), json);
            assertTrue(json.contains("\"countersMatchCacheFile\":true"), json);
        }
    }

    @Test
    void shouldShowTheFinalCountersOfAClosedCache() throws IOException
    {
        final Path file = dir.resolve("closed.cache");
        final CacheStats stats;
        try (RawDiskCache cache = openCache(file))
        {
            exercise(cache);
            stats = cache.stats();
        }

        final String out = stat(false, file.toString()).out();

        assertTrue(line(out, "owner pid").endsWith("closed"), out);
        assertEquals(stats.stores(), parseCounters(out).get(CacheCounter.STORES.label()));
        assertEquals(stats.hits(), parseCounters(out).get(CacheCounter.HITS.label()));
    }

    @Test
    void shouldReadTheNewCountersFileAfterTheCacheIsReopened() throws Exception
    {
        final Path file = dir.resolve("reopened.cache");
        try (CacheStatusReader reader = new CacheStatusReader(file))
        {
            final long entriesAtClose;
            try (RawDiskCache cache = openCache(file))
            {
                exercise(cache);
                assertEquals(cache.stats().stores(), reader.read().get(CacheCounter.STORES));
                entriesAtClose = cache.stats().entries();
            }
            assertEquals(CacheStatus.OwnerState.CLOSED, reader.read().ownerState());
            try (RawDiskCache cache = openCache(file))
            {
                cache.store("only", new byte[10]);

                final CacheStatus status = reader.read();

                assertEquals(CacheStatus.OwnerState.RUNNING, status.ownerState());
                assertEquals(1, status.get(CacheCounter.STORES));
                assertEquals(entriesAtClose, status.get(CacheCounter.RECOVERED_ENTRIES),
                    "the reopened cache restored every entry");
                assertEquals(entriesAtClose + 1, status.get(CacheCounter.ENTRIES));
                assertRestored(cache);
            }
        }
    }

    @Test
    void shouldSeparateWatchedReadingsWithALineWhenNotATerminal() throws IOException
    {
        final Path file = dir.resolve("watch.cache");
        try (RawDiskCache cache = openCache(file))
        {
            exercise(cache);

            final Result result = stat(false, file.toString(), "--watch", "10", "--count", "3");

            assertEquals(RawCacheStat.EXIT_OK, result.code(), result.err());
            assertEquals(3, count(result.out(), "rawcache stat " + file.toAbsolutePath()));
            assertEquals(2, count(result.out(), "-".repeat(78)));
            assertFalse(result.out().contains("\033["), "no escape codes when not a terminal");
        }
    }

    @Test
    void shouldClearTheScreenBetweenWatchedReadingsOnATerminal() throws IOException
    {
        final Path file = dir.resolve("terminal.cache");
        try (RawDiskCache cache = openCache(file))
        {
            exercise(cache);

            final Result result = stat(true, file.toString(), "--watch=10", "--count=2");

            assertEquals(RawCacheStat.EXIT_OK, result.code(), result.err());
            assertEquals(2, count(result.out(), "\033[H\033[2J"));
        }
    }

    @Test
    void shouldPrintOneJsonObjectPerLineWhenWatching() throws IOException
    {
        final Path file = dir.resolve("ndjson.cache");
        try (RawDiskCache cache = openCache(file))
        {
            exercise(cache);

            final Result result = stat(false, file.toString(), "--json", "--watch", "10", "--count", "2");

            assertEquals(RawCacheStat.EXIT_OK, result.code(), result.err());
            final String[] lines = result.out().strip().split("\\R");
            assertEquals(2, lines.length, result.out());
            for (final String line : lines)
            {
                assertTrue(line.startsWith("{\"cacheFile\":") && line.endsWith("}"), line);
            }
        }
    }

    static Stream<Arguments> badUsage()
    {
        return Stream.of(
            Arguments.of((Object)new String[]{}),
            Arguments.of((Object)new String[]{"--watch"}),
            Arguments.of((Object)new String[]{"some.cache", "--watch", "0"}),
            Arguments.of((Object)new String[]{"some.cache", "--watch", "soon"}),
            Arguments.of((Object)new String[]{"some.cache", "--count", "2"}),
            Arguments.of((Object)new String[]{"some.cache", "--verbose"}),
            Arguments.of((Object)new String[]{"one.cache", "two.cache"}));
    }

    @ParameterizedTest
    @MethodSource("badUsage")
    void shouldPrintUsageAndExitWithTwoForBadUsage(final String[] args)
    {
        final Result result = stat(false, args);

        assertEquals(RawCacheStat.EXIT_USAGE, result.code());
        assertEquals("", result.out());
        assertTrue(result.err().startsWith("rawcache stat: "), result.err());
        assertTrue(result.err().contains("Usage: ./rawcache stat <cache-file>"), result.err());
    }

    @Test
    void shouldPrintUsageOnStandardOutputForHelp()
    {
        final Result result = stat(false, "--help");

        assertEquals(RawCacheStat.EXIT_OK, result.code());
        assertTrue(result.out().contains("Usage: ./rawcache stat <cache-file>"), result.out());
        assertEquals("", result.err());
    }

    @Test
    void shouldNameAMissingCacheFileAndExitWithOne()
    {
        final Path missing = dir.resolve("missing.cache");

        final Result result = stat(false, missing.toString());

        assertEquals(RawCacheStat.EXIT_UNREADABLE, result.code());
        assertEquals("", result.out());
        assertTrue(result.err().contains(missing.toAbsolutePath() + ": no such file"), result.err());
    }

    @Test
    void shouldNameAFileThatIsNotACacheFileAndExitWithOne() throws IOException
    {
        final Path foreign = dir.resolve("notes.txt");
        Files.writeString(foreign, "not a cache file, just some text that is long enough to hold a superblock. "
            .repeat(10));

        final Result result = stat(false, foreign.toString());

        assertEquals(RawCacheStat.EXIT_UNREADABLE, result.code());
        assertTrue(result.err().contains(foreign.toAbsolutePath() + ": not a usable rawcache cache file"),
            result.err());
        assertTrue(result.err().contains("not a rawcache file"), result.err());
    }

    @Test
    void shouldNameAMissingCountersFileAndExitWithOne() throws IOException
    {
        final Path file = dir.resolve("lonely.cache");
        try (RawDiskCache cache = openCache(file))
        {
            cache.store("k", new byte[1]);
        }
        final Path counters = file.resolveSibling("lonely.cache.counters");
        Files.delete(counters);

        final Result result = stat(false, file.toString());

        assertEquals(RawCacheStat.EXIT_UNREADABLE, result.code());
        assertTrue(result.err().contains(counters.toAbsolutePath() + ": no such file"), result.err());
    }

    /**
     * Stores, reads (hits and misses, copied and mapped), transfers and removes, so every read path counts.
     */
    private static void exercise(final RawDiskCache cache) throws IOException
    {
        for (int i = 0; i < 20; i++)
        {
            cache.store("small/" + i, ("value " + i).repeat(100).getBytes(StandardCharsets.UTF_8));
        }
        cache.store("large/a", new byte[256 * 1024]);
        cache.store("large/b", new byte[200 * 1024]);
        for (int i = 0; i < 30; i++)
        {
            assertNotNull(cache.lookup("small/" + (i % 20)));
        }
        for (int i = 0; i < 7; i++)
        {
            assertEquals(null, cache.lookup("absent/" + i));
        }
        try (CachedEntry entry = cache.lookupZeroCopy("large/a"))
        {
            assertNotNull(entry);
        }
        try (CachedEntry entry = cache.lookupZeroCopy("small/3"))
        {
            assertNotNull(entry);
        }
        assertNotNull(cache.lookup("large/b"));
        final Path sink = Files.createTempFile("rawcache-stat-test", ".bin");
        try (FileChannel out = FileChannel.open(sink, StandardOpenOption.WRITE))
        {
            assertEquals(200 * 1024, cache.transferTo("large/b", out));
        }
        finally
        {
            Files.delete(sink);
        }
        assertTrue(cache.remove("small/19"));
        // Return the blocks of dead entries now, not in the background while the counters are being compared.
        cache.reclaimClosedViews();
    }

    /**
     * Asserts that every entry {@link #exercise(RawDiskCache)} left is there byte for byte.
     */
    private static void assertRestored(final RawDiskCache cache)
    {
        for (int i = 0; i < 19; i++)
        {
            final ByteBuffer value = cache.lookup("small/" + i);
            assertNotNull(value, "small/" + i);
            assertEquals(ByteBuffer.wrap(("value " + i).repeat(100).getBytes(StandardCharsets.UTF_8)), value,
                "small/" + i);
        }
        assertEquals(null, cache.lookup("small/19"), "the removed entry stays removed");
        assertEquals(ByteBuffer.wrap(new byte[256 * 1024]), cache.lookup("large/a"));
        assertEquals(ByteBuffer.wrap(new byte[200 * 1024]), cache.lookup("large/b"));
    }

    private static RawDiskCache openCache(final Path file)
    {
        return RawDiskCache.open(CacheConfig.builder(file).capacityBytes(CAPACITY).blockSize(BLOCK_SIZE).build());
    }

    private static Result stat(final boolean terminal, final String... args)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int code;
        try (PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8))
        {
            code = RawCacheStat.run(args, outStream, errStream, terminal);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static Map<String, Long> parseCounters(final String out)
    {
        final Map<String, Long> values = new HashMap<>();
        for (final CacheCounter counter : CacheCounter.values())
        {
            values.put(counter.label(), valueOf(out, counter.label()));
        }
        return values;
    }

    private static long valueOf(final String out, final String label)
    {
        final Matcher matcher = Pattern.compile("(?m)^  " + Pattern.quote(label) + " +([0-9,]+)(  .*)?$")
            .matcher(out);
        assertTrue(matcher.find(), "no row '" + label + "' in\n" + out);
        return Long.parseLong(matcher.group(1).replace(",", ""));
    }

    private static String line(final String out, final String label)
    {
        final Matcher matcher = Pattern.compile("(?m)^  " + Pattern.quote(label) + "  .*$").matcher(out);
        assertTrue(matcher.find(), "no row '" + label + "' in\n" + out);
        return matcher.group();
    }

    private static long jsonNumber(final String json, final String name)
    {
        final Matcher matcher = Pattern.compile("\"" + Pattern.quote(name) + "\":(-?[0-9]+)[,}]").matcher(json);
        assertTrue(matcher.find(), "no number " + name + " in " + json);
        return Long.parseLong(matcher.group(1));
    }

    private static Map<String, Long> componentsOf(final Record record)
    {
        final Map<String, Long> values = new HashMap<>();
        for (final RecordComponent component : record.getClass().getRecordComponents())
        {
            try
            {
                values.put(component.getName(), (Long)component.getAccessor().invoke(record));
            }
            catch (final ReflectiveOperationException e)
            {
                throw new AssertionError(e);
            }
        }
        return values;
    }

    private static int count(final String text, final String part)
    {
        int count = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + part.length()))
        {
            count++;
        }
        return count;
    }

    private record Result(int code, String out, String err)
    {
    }
}
