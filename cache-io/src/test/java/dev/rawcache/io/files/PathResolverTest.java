package dev.rawcache.io.files;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static dev.rawcache.io.files.FileFixtures.assertContent;
import static dev.rawcache.io.files.FileFixtures.write;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Paths: nothing outside the root is ever served, whatever the spelling; symbolic links inside the root are; every
 * refusal says why without naming the root.
 */
class PathResolverTest
{
    @TempDir
    Path sandbox;

    private Path root;
    private Path outside;
    private MappedFileCache cache;

    @BeforeEach
    void createTree() throws Exception
    {
        root = Files.createDirectory(sandbox.resolve("www"));
        outside = Files.createDirectory(sandbox.resolve("private"));
        write(outside, "secret.txt", 1, 100);
        write(root, "a/b.txt", 1, 1000);
        write(root, "x", 1, 10);
        cache = new MappedFileCache(root, 4, AccessHint.NORMAL);
    }

    @AfterEach
    void closeCache()
    {
        cache.close();
    }

    private FileAccessException refused(final String path, final FileAccessException.Reason reason)
    {
        final FileAccessException e = assertThrows(FileAccessException.class, () -> cache.acquire(path).close(),
            "acquiring " + PathResolver.quote(path));
        assertEquals(reason, e.reason(), e.getMessage());
        assertFalse(e.getMessage().contains(sandbox.toString()), "leaks the root: " + e.getMessage());
        assertFalse(e.getMessage().contains(sandbox.toAbsolutePath().toString()), e.getMessage());
        return e;
    }

    @ParameterizedTest
    @ValueSource(strings = {"../x", "a/../../x", "a/../b.txt", "..", ".", "./x", "a/./b.txt", "a/..", "/etc/passwd",
        "/x", "a\\b", "a\\..\\..\\x", "a\u0000b", "x\u0000", "a/b.txt\n", "\u007f", "a//b.txt", "a/", "//x",
        "../private/secret.txt", "a/b.txt/..", "\ud800x"})
    void shouldRefuseAPathThatIsMalformedOrLeavesTheRoot(final String path)
    {
        refused(path, FileAccessException.Reason.OUTSIDE_ROOT);
    }

    @Test
    void shouldNameTheOffendingPartOfThePath()
    {
        assertTrue(refused("a/../x", FileAccessException.Reason.OUTSIDE_ROOT).getMessage().contains("'..'"));
        assertTrue(refused("a\u0000b", FileAccessException.Reason.OUTSIDE_ROOT).getMessage()
            .contains("'a\\u0000b'"));
        assertTrue(refused("/etc/passwd", FileAccessException.Reason.OUTSIDE_ROOT).getMessage()
            .contains("absolute"));
        assertTrue(refused("a".repeat(PathResolver.MAX_PATH_CHARS + 1), FileAccessException.Reason.OUTSIDE_ROOT)
            .getMessage().contains("4096"));
    }

    @Test
    void shouldRefuseASymbolicLinkToAFileOutsideTheRoot() throws Exception
    {
        Files.createSymbolicLink(root.resolve("leak.txt"), outside.resolve("secret.txt"));
        Files.createSymbolicLink(root.resolve("relative-leak.txt"), Path.of("../private/secret.txt"));
        final FileAccessException e = refused("leak.txt", FileAccessException.Reason.OUTSIDE_ROOT);
        assertFalse(e.getMessage().contains("secret"), "says where the link points: " + e.getMessage());
        refused("relative-leak.txt", FileAccessException.Reason.OUTSIDE_ROOT);
        assertEquals(0, cache.mapsCreated());
    }

    @Test
    void shouldRefuseAFileReachedThroughADirectoryLinkOutsideTheRoot() throws Exception
    {
        Files.createSymbolicLink(root.resolve("priv"), outside);
        refused("priv/secret.txt", FileAccessException.Reason.OUTSIDE_ROOT);
        refused("priv", FileAccessException.Reason.OUTSIDE_ROOT);
    }

    @Test
    void shouldRefuseASiblingDirectoryWhoseNameStartsLikeTheRoot() throws Exception
    {
        final Path sibling = Files.createDirectory(sandbox.resolve("www2"));
        write(sibling, "s.txt", 1, 10);
        Files.createSymbolicLink(root.resolve("s.txt"), sibling.resolve("s.txt"));
        refused("s.txt", FileAccessException.Reason.OUTSIDE_ROOT);
    }

    @Test
    void shouldServeSymbolicLinksThatStayInsideTheRoot() throws Exception
    {
        final byte[] bytes = FileFixtures.contentOf("a/b.txt", 1, 1000);
        Files.createSymbolicLink(root.resolve("link.txt"), Path.of("a/b.txt"));
        Files.createSymbolicLink(root.resolve("a/up.txt"), Path.of("../a/b.txt"));
        Files.createSymbolicLink(root.resolve("dir"), Path.of("a"));
        for (final String path : new String[]{"link.txt", "a/up.txt", "dir/b.txt"})
        {
            try (MappedFile file = cache.acquire(path))
            {
                assertEquals(path, file.relativePath());
                assertContent(bytes, file);
            }
        }
        assertEquals(1, cache.mapsCreated());
    }

    @Test
    void shouldRefuseALoopOfSymbolicLinks() throws Exception
    {
        Files.createSymbolicLink(root.resolve("loop1"), Path.of("loop2"));
        Files.createSymbolicLink(root.resolve("loop2"), Path.of("loop1"));
        assertThrows(FileAccessException.class, () -> cache.acquire("loop1"));
    }

    @Test
    void shouldReportMissingFilesAsNotFound() throws Exception
    {
        refused("nope.txt", FileAccessException.Reason.NOT_FOUND);
        refused("a/nope/deeper.txt", FileAccessException.Reason.NOT_FOUND);
        refused("x/inside-a-file", FileAccessException.Reason.NOT_FOUND);
        refused("n".repeat(300), FileAccessException.Reason.NOT_FOUND);
        Files.createSymbolicLink(root.resolve("dangling"), Path.of("nowhere"));
        refused("dangling", FileAccessException.Reason.NOT_FOUND);
        assertTrue(refused("nope.txt", FileAccessException.Reason.NOT_FOUND).getMessage().contains("'nope.txt'"));
    }

    @Test
    void shouldReportDirectoriesAsNotRegularFiles() throws Exception
    {
        assertTrue(refused("a", FileAccessException.Reason.NOT_A_REGULAR_FILE).getMessage().contains("directory"));
        refused("", FileAccessException.Reason.NOT_A_REGULAR_FILE);
        Files.createSymbolicLink(root.resolve("dir-link"), Path.of("a"));
        refused("dir-link", FileAccessException.Reason.NOT_A_REGULAR_FILE);
    }

    @Test
    void shouldReportAFifoAsNotARegularFileWithoutOpeningIt() throws Exception
    {
        final Process mkfifo;
        try
        {
            mkfifo = new ProcessBuilder("mkfifo", root.resolve("pipe").toString()).start();
        }
        catch (final java.io.IOException e)
        {
            assumeTrue(false, "no mkfifo here");
            return;
        }
        assumeTrue(mkfifo.waitFor(10, TimeUnit.SECONDS) && mkfifo.exitValue() == 0, "mkfifo failed");
        refused("pipe", FileAccessException.Reason.NOT_A_REGULAR_FILE);
    }

    @Test
    void shouldReportAnUnreadableFile() throws Exception
    {
        final Path file = root.resolve("locked.txt");
        write(root, "locked.txt", 1, 10);
        assumeTrue(file.toFile().setReadable(false, false) && !Files.isReadable(file), "running as root");
        try
        {
            refused("locked.txt", FileAccessException.Reason.UNREADABLE);
        }
        finally
        {
            file.toFile().setReadable(true, false);
        }
    }

    @Test
    void shouldServeNamesWithSpacesPercentSignsDotsAndUnicode() throws Exception
    {
        assumeTrue("UTF-8".equals(System.getProperty("sun.jnu.encoding")), "file names are not UTF-8 here");
        for (final String path : new String[]{"dir with space/f%20.txt", "ünï/cödé ✓.bin", "...", "a/.hidden",
            "a/..b", "emoji/\ud83d\ude00.txt"})
        {
            final byte[] bytes = write(root, path, 1, 777);
            try (MappedFile file = cache.acquire(path))
            {
                assertContent(bytes, file);
            }
        }
    }

    @Test
    void shouldThrowNullPointerExceptionForANullPath()
    {
        assertThrows(NullPointerException.class, () -> cache.acquire(null));
    }
}
