package dev.rawcache.examples;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ZeroCopyDemoTest
{
    @TempDir
    Path dir;

    @Test
    void shouldPassEveryCheckAndReportTheStatsOnASmallCache()
    {
        final Path file = dir.resolve("demo.cache");

        final Result result = demo(file.toString(), "--capacity", "16m");

        assertEquals(ZeroCopyDemo.EXIT_OK, result.code(), result.err() + result.out());
        assertEquals("", result.err());
        final String out = result.out();
        assertTrue(out.contains("CacheStats"), out);
        assertTrue(out.contains("ZeroCopyStats"), out);
        assertTrue(out.contains("hits="), out);
        assertTrue(out.contains("misses=0"), out);
        assertTrue(out.contains("sendfileTransfers=1"), out);
        assertTrue(out.contains("the counters agree"), out);
        assertTrue(out.contains("not a benchmark"), out);
        assertTrue(out.contains("./rawcache bench"), out);
        assertTrue(out.contains("./rawcache stat " + file.toAbsolutePath()), out);
        assertTrue(out.contains("All checks passed."), out);
        assertTrue(Files.isRegularFile(file), "the cache file stays for ./rawcache stat");
        assertTrue(Files.isRegularFile(dir.resolve("demo.cache.counters")), "so does its counters file");
    }

    @Test
    void shouldRunAgainOnItsOwnFile()
    {
        final Path file = dir.resolve("again.cache");
        assertEquals(ZeroCopyDemo.EXIT_OK, demo(file.toString(), "--capacity=8m").code());

        final Result again = demo(file.toString(), "--capacity", "8m");

        assertEquals(ZeroCopyDemo.EXIT_OK, again.code(), again.err());
        assertTrue(again.out().contains("reopened"), again.out());
    }

    @Test
    void shouldRefuseAFileOfAnotherCapacityAndSayHowToReuseOrRemoveIt()
    {
        final Path file = dir.resolve("geometry.cache");
        assertEquals(ZeroCopyDemo.EXIT_OK, demo(file.toString(), "--capacity", "8m").code());

        final Result result = demo(file.toString(), "--capacity", "12m");

        assertEquals(ZeroCopyDemo.EXIT_FAILED, result.code());
        assertEquals("", result.out());
        assertTrue(result.err().contains("another geometry"), result.err());
        assertTrue(result.err().contains("--capacity 8m"), result.err());
        assertTrue(result.err().contains("rm " + file + " " + file + ".counters"), result.err());
    }

    @Test
    void shouldRefuseAForeignFileAndSayHowToRemoveIt() throws IOException
    {
        final Path file = dir.resolve("foreign.cache");
        Files.writeString(file, "hello ".repeat(2000));

        final Result result = demo(file.toString(), "--capacity", "8m");

        assertEquals(ZeroCopyDemo.EXIT_FAILED, result.code());
        assertTrue(result.err().contains("is not a usable rawcache file"), result.err());
        assertTrue(result.err().contains("rm " + file), result.err());
        assertEquals("hello ".repeat(2000), Files.readString(file), "the demo never reformats");
    }

    @Test
    void shouldExitWithTwoForBadArguments()
    {
        assertEquals(ZeroCopyDemo.EXIT_USAGE, demo("--capacity", "lots").code());
        assertEquals(ZeroCopyDemo.EXIT_USAGE, demo("--capacity").code());
        assertEquals(ZeroCopyDemo.EXIT_USAGE, demo("--frobnicate").code());
        assertEquals(ZeroCopyDemo.EXIT_USAGE, demo("a.cache", "b.cache").code());

        final Result tooSmall = demo(dir.resolve("tiny.cache").toString(), "--capacity", "256k");
        assertEquals(ZeroCopyDemo.EXIT_USAGE, tooSmall.code());
        assertTrue(tooSmall.err().contains("too small"), tooSmall.err());
        assertTrue(Files.notExists(dir.resolve("tiny.cache")), "nothing is created for a bad capacity");
    }

    private static Result demo(final String... args)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int code;
        try (PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8))
        {
            code = ZeroCopyDemo.run(args, outStream, errStream);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private record Result(int code, String out, String err)
    {
    }
}
