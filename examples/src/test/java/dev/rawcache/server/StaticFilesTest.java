package dev.rawcache.server;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code /files/}: static files through the shared mapped-file cache, with traversal attempts refused (with curl's
 * {@code --path-as-is}, which sends {@code ..} unnormalised) and a burst sharing one mapping.
 */
class StaticFilesTest
{
    private static final String SECRET = "top secret: must never be served";

    @TempDir
    Path dir;

    private Path root;
    private ServerFixture fixture;

    @BeforeEach
    void start() throws Exception
    {
        root = Files.createDirectories(dir.resolve("www"));
        Files.createDirectories(root.resolve("sub"));
        Files.write(root.resolve("index.html"), "<h1>hello</h1>".getBytes(StandardCharsets.UTF_8));
        Files.write(root.resolve("sub/data.bin"), Bodies.of("data.bin", 1, 3 * (1 << 20) + 11));
        Files.writeString(dir.resolve("secret.txt"), SECRET);
        Files.createSymbolicLink(root.resolve("escape.txt"), dir.resolve("secret.txt"));
        Files.createSymbolicLink(root.resolve("inside.html"), root.resolve("index.html"));
        fixture = new ServerFixture(new ServerOptions("127.0.0.1", 0, dir.resolve("server.cache"),
            ServerFixture.CAPACITY, root, null, 16L << 20, 16 * 1024, 16, Duration.ofSeconds(30), 4,
            Duration.ofSeconds(10), Duration.ofSeconds(10)));
    }

    @AfterEach
    void stop()
    {
        fixture.close();
    }

    @Test
    void shouldServeFilesWithTypeValidatorsAndRanges() throws Exception
    {
        final HttpResponse<byte[]> html = fixture.get("/files/index.html");
        assertEquals(200, html.statusCode());
        assertEquals("<h1>hello</h1>", new String(html.body(), StandardCharsets.UTF_8));
        assertTrue(html.headers().firstValue("Content-Type").orElseThrow().startsWith("text/html"));
        final String etag = html.headers().firstValue("ETag").orElseThrow();
        assertEquals(304, fixture.get("/files/index.html", "If-None-Match", etag).statusCode());
        final String lastModified = html.headers().firstValue("Last-Modified").orElseThrow();
        assertEquals(304, fixture.get("/files/index.html", "If-Modified-Since", lastModified).statusCode());

        final byte[] data = Bodies.of("data.bin", 1, 3 * (1 << 20) + 11);
        final HttpResponse<byte[]> whole = fixture.get("/files/sub/data.bin");
        assertArrayEquals(data, whole.body());
        assertEquals("application/octet-stream", whole.headers().firstValue("Content-Type").orElseThrow());
        final HttpResponse<byte[]> range = fixture.get("/files/sub/data.bin", "Range", "bytes=2000000-2000099");
        assertEquals(206, range.statusCode());
        assertArrayEquals(Arrays.copyOfRange(data, 2_000_000, 2_000_100), range.body());
        assertEquals(416, fixture.get("/files/sub/data.bin", "Range", "bytes=99999999-").statusCode());
        assertEquals(200, fixture.get("/files/inside.html").statusCode());
    }

    @Test
    void shouldRefuseMissingFilesDirectoriesAndEveryEscape() throws Exception
    {
        assertEquals(404, fixture.get("/files/missing.txt").statusCode());
        assertEquals(403, fixture.get("/files/sub").statusCode());
        assertEquals(403, fixture.get("/files/escape.txt").statusCode());
        for (final String attack : List.of("/files/../secret.txt", "/files/sub/../../secret.txt",
            "/files/%2e%2e/secret.txt", "/files/sub/%2E%2E/%2e%2e/secret.txt", "/files/..%2fsecret.txt",
            "/files/%2fetc%2fpasswd", "/files//etc/passwd", "/files/sub%5c..%5c..%5csecret.txt"))
        {
            final ServerFixture.Curl curl = fixture.curl(dir, attack, "--path-as-is");
            assertTrue(curl.status() == 403 || curl.status() == 404 || curl.status() == 400,
                attack + " -> " + curl.status());
            assertFalse(new String(curl.body(), StandardCharsets.UTF_8).contains(SECRET), attack);
        }
    }

    @Test
    void shouldShareOneMappingAcrossABurstOfRequests() throws Exception
    {
        final byte[] data = Bodies.of("data.bin", 1, 3 * (1 << 20) + 11);
        final long mapsBefore = fixture.server.files().mapsCreated();
        final ExecutorService pool = Executors.newFixedThreadPool(8);
        try
        {
            final List<Future<byte[]>> downloads = new ArrayList<>();
            for (int i = 0; i < 32; i++)
            {
                downloads.add(pool.submit(() -> fixture.get("/files/sub/data.bin").body()));
            }
            for (final Future<byte[]> download : downloads)
            {
                assertArrayEquals(data, download.get());
            }
        }
        finally
        {
            pool.shutdownNow();
        }
        assertEquals(1, fixture.server.files().mapsCreated() - mapsBefore);
        assertTrue(fixture.server.files().mappedFiles() <= 4);
    }
}
