package dev.rawcache.io.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Files whose every byte is derived from their name and version, so a torn, stale or foreign read fails a comparison.
 */
final class FileFixtures
{
    private FileFixtures()
    {
    }

    static byte[] contentOf(final String name, final int version, final int length)
    {
        final byte[] seed = (name + "#" + version).getBytes(StandardCharsets.UTF_8);
        int h = 0x9E3779B9;
        for (final byte b : seed)
        {
            h = (h ^ b) * 0x01000193;
        }
        final byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            int x = h + i * 0x61C88647;
            x ^= x >>> 15;
            x *= 0x2C1B3C6D;
            x ^= x >>> 12;
            bytes[i] = (byte)x;
        }
        return bytes;
    }

    /** Writes version {@code version} of {@code relative} under {@code root}, creating parent directories. */
    static byte[] write(final Path root, final String relative, final int version, final int length)
        throws IOException
    {
        final byte[] bytes = contentOf(relative, version, length);
        final Path path = root.resolve(relative);
        Files.createDirectories(path.getParent());
        Files.write(path, bytes);
        return bytes;
    }

    /** Publishes a new version the safe way: a temporary file renamed over the old one, whose inode stays intact. */
    static byte[] replace(final Path root, final String relative, final int version, final int length)
        throws IOException
    {
        final byte[] bytes = contentOf(relative, version, length);
        final Path path = root.resolve(relative);
        final Path temporary = Files.createTempFile(path.getParent(), ".tmp-", ".part");
        Files.write(temporary, bytes);
        Files.move(temporary, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return bytes;
    }

    /** Every byte of the handle, read through the safe copy. */
    static byte[] readAll(final MappedFile file)
    {
        final ByteBuffer dst = ByteBuffer.allocate(Math.toIntExact(file.size()));
        assertEquals(dst.capacity(), file.copyTo(0, dst));
        return dst.array();
    }

    /** Every byte of the handle, read through its segment. */
    static byte[] readSegment(final MappedFile file)
    {
        return file.segment().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
    }

    static void assertContent(final byte[] expected, final MappedFile file)
    {
        assertEquals(expected.length, file.size());
        assertArrayEquals(expected, readAll(file));
        assertArrayEquals(expected, readSegment(file));
    }

    /** Whether {@code /proc/self/maps} lists a mapping of {@code path} (Linux only). */
    static boolean isMappedInProcess(final Path path) throws IOException
    {
        final String real = path.toRealPath().toString();
        final List<String> lines = Files.readAllLines(Path.of("/proc/self/maps"));
        return lines.stream().anyMatch(line -> line.endsWith(real) || line.endsWith(real + " (deleted)"));
    }

    static boolean hasProcMaps()
    {
        return Files.isReadable(Path.of("/proc/self/maps"));
    }
}
