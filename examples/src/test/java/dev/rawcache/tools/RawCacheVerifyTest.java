package dev.rawcache.tools;

import dev.rawcache.CacheConfig;
import dev.rawcache.RawDiskCache;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code ./rawcache verify}: a clean file passes, a damaged entry is found, dropped and reported, a file in use is
 * refused, and bad usage says how to call it.
 */
class RawCacheVerifyTest
{
    @TempDir
    Path dir;

    private static byte[] value(final int i)
    {
        final byte[] bytes = new byte[20_000 + i * 1000];
        new java.util.Random(1_000_003L * i).nextBytes(bytes);
        return bytes;
    }

    private Path cacheWithEntries() throws Exception
    {
        final Path path = dir.resolve("verify.cache");
        try (RawDiskCache cache = RawDiskCache.open(CacheConfig.builder(path).capacityBytes(8L << 20).build()))
        {
            for (int i = 0; i < 20; i++)
            {
                cache.store("v" + i, value(i));
            }
        }
        return path;
    }

    private static int run(final ByteArrayOutputStream out, final ByteArrayOutputStream err, final String... args)
    {
        return RawCacheVerify.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void shouldPassACleanFile() throws Exception
    {
        final Path path = cacheWithEntries();
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(0, run(out, err, path.toString()), err.toString());
        final String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("checked 20 entries") && text.contains(": 0 corrupt"), text);
    }

    @Test
    void shouldFindDropAndReportADamagedEntry() throws Exception
    {
        final Path path = cacheWithEntries();
        final byte[] all = Files.readAllBytes(path);
        final byte[] needle = Arrays.copyOfRange(value(7), 10_000, 10_064);
        int at = -1;
        for (int i = 0; i + needle.length <= all.length && at < 0; i++)
        {
            if (Arrays.equals(all, i, i + needle.length, needle, 0, needle.length))
            {
                at = i;
            }
        }
        assertTrue(at > 0);
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE))
        {
            channel.write(ByteBuffer.wrap(new byte[]{(byte)(all[at] ^ 1)}), at);
        }
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(1, run(out, err, path.toString()));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains(": 1 corrupt, dropped"), out.toString());

        try (RawDiskCache cache = RawDiskCache.open(CacheConfig.builder(path).capacityBytes(8L << 20).build()))
        {
            assertFalse(cache.contains("v7"), "the damaged entry was dropped for good");
            assertEquals(19, cache.stats().entries());
            assertArrayEquals(value(8), cache.lookup("v8").array());
        }
    }

    @Test
    void shouldRefuseAFileThatIsInUse() throws Exception
    {
        final Path path = cacheWithEntries();
        try (RawDiskCache ignored = RawDiskCache.open(CacheConfig.builder(path).capacityBytes(8L << 20).build()))
        {
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            final ByteArrayOutputStream err = new ByteArrayOutputStream();
            assertEquals(1, run(out, err, path.toString()));
            assertTrue(err.toString(StandardCharsets.UTF_8).contains("refusing"), err.toString());
        }
    }

    @Test
    void shouldExplainBadUsageAndAMissingFile()
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(2, run(out, err));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("usage: ./rawcache verify <cache-file>"));
        assertEquals(1, run(out, err, dir.resolve("missing.cache").toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("no such file"));
    }
}
