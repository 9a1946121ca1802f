package dev.rawcache.bench;

import dev.rawcache.CacheConfig;
import dev.rawcache.format.EntryHeaderDescriptor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * What the benchmarks share: cache files in a fresh temporary directory, keys shaped like a proxy's, values derived
 * from their key, and sizing of a cache that holds a data set without evicting.
 * <p>
 * Stateless and thread-safe.
 */
public final class BenchSupport
{
    /** The block size every benchmark cache uses: the library's default. */
    public static final int BLOCK_SIZE = CacheConfig.DEFAULT_BLOCK_SIZE;

    private static final String KEY_PREFIX = "GET https://bench.rawcache.dev/objects/";

    private BenchSupport()
    {
    }

    /**
     * Creates a fresh directory under {@code java.io.tmpdir} for one trial's cache file.
     *
     * @param benchmark the benchmark's name, part of the directory's name.
     * @return the new directory.
     */
    public static Path createTempDirectory(final String benchmark)
    {
        try
        {
            return Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "rawcache-" + benchmark +
                "-");
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException("cannot create a temporary directory for " + benchmark, e);
        }
    }

    /**
     * Deletes a directory and everything in it; does nothing for null.
     *
     * @param directory the directory.
     */
    public static void deleteRecursively(final Path directory)
    {
        if (directory == null || !Files.exists(directory))
        {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory))
        {
            for (final Path path : paths.sorted(Comparator.reverseOrder()).toList())
            {
                Files.deleteIfExists(path);
            }
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException("cannot delete " + directory, e);
        }
    }

    /**
     * Writes a file's dirty pages to disk (fdatasync), so that write-back does not run during a measurement.
     *
     * @param file the file.
     */
    public static void flushToDisk(final Path file)
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
        {
            channel.force(false);
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException("cannot flush " + file, e);
        }
    }

    /**
     * Bytes this process has caused to be fetched from storage so far: {@code read_bytes} of {@code /proc/self/io}.
     *
     * @return bytes, or -1 where that file is missing or unreadable.
     */
    public static long storageReadBytes()
    {
        try
        {
            for (final String line : Files.readAllLines(Path.of("/proc/self/io")))
            {
                if (line.startsWith("read_bytes:"))
                {
                    return Long.parseLong(line.substring("read_bytes:".length()).trim());
                }
            }
            return -1;
        }
        catch (final IOException | RuntimeException e)
        {
            return -1;
        }
    }

    /**
     * The key of item {@code i}: an HTTP method and URL, about 50 bytes, as a proxy would use.
     *
     * @param i the item.
     * @return the key.
     */
    public static String key(final int i)
    {
        return KEY_PREFIX + String.format("%010d", i);
    }

    /**
     * The keys of items {@code 0 .. count - 1}.
     *
     * @param count how many.
     * @return the keys, item {@code i} at index {@code i}.
     */
    public static String[] keys(final int count)
    {
        final String[] keys = new String[count];
        for (int i = 0; i < count; i++)
        {
            keys[i] = key(i);
        }
        return keys;
    }

    /**
     * The value of item {@code i}: pseudo-random bytes from a seed made of the item and the value size, so a value
     * can be checked against its key.
     *
     * @param i    the item.
     * @param size the value's length.
     * @return a new array.
     */
    public static byte[] value(final int i, final int size)
    {
        final byte[] value = new byte[size];
        new SplittableRandom(0x5EEDL * 31 + i * 0x9E3779B97F4A7C15L + size).nextBytes(value);
        return value;
    }

    /**
     * How many blocks one entry of this key and value length takes when it lies in one extent.
     *
     * @param key         the key.
     * @param valueLength the value's length.
     * @return blocks.
     */
    public static long blocksPerEntry(final String key, final long valueLength)
    {
        final long bytes = EntryHeaderDescriptor.headerLength(key.getBytes(StandardCharsets.UTF_8).length, 1) +
            valueLength;
        return (bytes + BLOCK_SIZE - 1) / BLOCK_SIZE;
    }

    /**
     * A capacity that holds {@code count} entries like item 0's with room to spare, so filling it evicts nothing.
     *
     * @param count       how many entries.
     * @param valueLength each value's length.
     * @return bytes, a whole number of blocks.
     */
    public static long capacityFor(final int count, final int valueLength)
    {
        final long blocks = count * blocksPerEntry(key(0), valueLength);
        // Room for the checkpoints kept in data blocks (about 260 bytes per entry for two and a spare) and slack.
        final long spare = Math.max(blocks / 8, 4096);
        // The journal takes 1/32 of the file by default, ahead of the data blocks.
        return (blocks + spare) * 32 / 31 * BLOCK_SIZE;
    }

    /**
     * Adds up a buffer's bytes from position to limit eight at a time, reading every byte once. Switches the buffer
     * to native byte order; its position is not changed.
     *
     * @param buffer the buffer.
     * @return the sum of its longs (native order) and trailing bytes.
     */
    public static long sumLongs(final ByteBuffer buffer)
    {
        final ByteBuffer b = buffer.order(ByteOrder.nativeOrder());
        final int end = b.limit();
        int i = b.position();
        long sum = 0;
        for (; i <= end - Long.BYTES; i += Long.BYTES)
        {
            sum += b.getLong(i);
        }
        for (; i < end; i++)
        {
            sum += b.get(i);
        }
        return sum;
    }
}
