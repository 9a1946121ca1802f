package dev.rawcache.server;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The object store through the JDK {@code HttpClient}: streaming {@code PUT}, {@code GET}, {@code HEAD},
 * {@code DELETE}, ranges, conditionals, and concurrent downloads, with bodies derived from key and version.
 */
class ObjectEndpointTest
{
    @TempDir
    Path dir;

    private ServerFixture fixture;

    @BeforeEach
    void start() throws Exception
    {
        fixture = ServerFixture.start(dir);
    }

    @AfterEach
    void stop()
    {
        fixture.close();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 4096, 65535, 65536, 1 << 20, 3 * (1 << 20) + 17})
    void shouldStoreAndServeObjectsOfEverySizeByteExact(final int size) throws Exception
    {
        final byte[] body = Bodies.of("obj-" + size, 1, size);
        final HttpResponse<byte[]> put = fixture.put("/objects/obj-" + size, body, "Content-Type",
            "application/x-test");
        assertEquals(201, put.statusCode());
        final String etag = put.headers().firstValue("ETag").orElseThrow();

        final long sendfileBefore = fixture.server.metrics().sendfileBytes();
        final long copiedBefore = fixture.server.metrics().copiedBytes();
        final HttpResponse<byte[]> get = fixture.get("/objects/obj-" + size);
        assertEquals(200, get.statusCode());
        final boolean large = size >= fixture.server.cache().config().mmapThreshold();
        assertEquals(large ? size : 0, fixture.server.metrics().sendfileBytes() - sendfileBefore,
            "entries of the mapping threshold and more go out by sendfile");
        assertEquals(large ? 0 : size, fixture.server.metrics().copiedBytes() - copiedBefore);
        assertArrayEquals(body, get.body());
        assertEquals("application/x-test", get.headers().firstValue("Content-Type").orElseThrow());
        assertEquals(etag, get.headers().firstValue("ETag").orElseThrow());
        assertEquals("bytes", get.headers().firstValue("Accept-Ranges").orElseThrow());
        assertEquals("HIT", get.headers().firstValue("X-Cache").orElseThrow());
        assertEquals(String.valueOf(size), get.headers().firstValue("Content-Length").orElseThrow());
        assertTrue(get.headers().firstValue("Last-Modified").isPresent());
    }

    @Test
    void shouldStreamAChunkedUploadWithoutADeclaredLength() throws Exception
    {
        final byte[] body = Bodies.of("chunked", 1, 5 * (1 << 20) + 3);
        final HttpRequest request = HttpRequest.newBuilder(fixture.uri("/objects/chunked"))
            .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))).build();
        final HttpResponse<byte[]> put = fixture.client.send(request, HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(201, put.statusCode(), new String(put.body(), StandardCharsets.UTF_8));
        assertArrayEquals(body, fixture.get("/objects/chunked").body());
    }

    @Test
    void shouldReplaceAnObjectAndChangeItsEtag() throws Exception
    {
        final String e1 = fixture.put("/objects/k", Bodies.of("k", 1, 10_000)).headers().firstValue("ETag")
            .orElseThrow();
        final String e2 = fixture.put("/objects/k", Bodies.of("k", 2, 20_000)).headers().firstValue("ETag")
            .orElseThrow();
        assertNotEquals(e1, e2);
        final HttpResponse<byte[]> get = fixture.get("/objects/k");
        assertArrayEquals(Bodies.of("k", 2, 20_000), get.body());
        assertEquals(e2, get.headers().firstValue("ETag").orElseThrow());
    }

    @Test
    void shouldAnswerHeadWithTheHeadersOfGetAndNoBody() throws Exception
    {
        fixture.put("/objects/h", Bodies.of("h", 1, 100_000));
        final HttpResponse<byte[]> head = fixture.head("/objects/h");
        assertEquals(200, head.statusCode());
        assertEquals(0, head.body().length);
        assertEquals("100000", head.headers().firstValue("Content-Length").orElseThrow());
        assertEquals(404, fixture.head("/objects/absent").statusCode());
    }

    @Test
    void shouldPurgeOnDelete() throws Exception
    {
        fixture.put("/objects/d", Bodies.text("d", 1));
        assertEquals(204, fixture.delete("/objects/d").statusCode());
        assertEquals(404, fixture.get("/objects/d").statusCode());
        assertEquals(404, fixture.delete("/objects/d").statusCode());
        assertEquals(1, fixture.server.cache().stats().purges());
    }

    @ParameterizedTest
    @ValueSource(ints = {1000, 200_000})
    void shouldServeSingleSuffixAndOpenRanges(final int size) throws Exception
    {
        final byte[] body = Bodies.of("r" + size, 1, size);
        fixture.put("/objects/r", body);
        final HttpResponse<byte[]> single = fixture.get("/objects/r", "Range", "bytes=10-99");
        assertEquals(206, single.statusCode());
        assertEquals("bytes 10-99/" + size, single.headers().firstValue("Content-Range").orElseThrow());
        assertArrayEquals(Arrays.copyOfRange(body, 10, 100), single.body());

        final HttpResponse<byte[]> suffix = fixture.get("/objects/r", "Range", "bytes=-300");
        assertEquals(206, suffix.statusCode());
        assertArrayEquals(Arrays.copyOfRange(body, size - 300, size), suffix.body());

        final HttpResponse<byte[]> open = fixture.get("/objects/r", "Range", "bytes=" + (size - 5) + "-");
        assertArrayEquals(Arrays.copyOfRange(body, size - 5, size), open.body());

        final HttpResponse<byte[]> clamped = fixture.get("/objects/r", "Range", "bytes=0-" + (size * 10));
        assertEquals(206, clamped.statusCode());
        assertArrayEquals(body, clamped.body());
    }

    @Test
    void shouldServeSeveralRangesAsMultipartByteranges() throws Exception
    {
        final int size = 300_000;
        final byte[] body = Bodies.of("m", 1, size);
        fixture.put("/objects/m", body, "Content-Type", "application/x-m");
        final HttpResponse<byte[]> response = fixture.get("/objects/m", "Range", "bytes=0-9,100000-199999,-5");
        assertEquals(206, response.statusCode());
        final String type = response.headers().firstValue("Content-Type").orElseThrow();
        assertTrue(type.startsWith("multipart/byteranges; boundary="), type);
        final String boundary = type.substring(type.indexOf('=') + 1);
        final List<byte[]> parts = MultipartParser.parts(response.body(), boundary, "application/x-m", size);
        assertEquals(3, parts.size());
        assertArrayEquals(Arrays.copyOfRange(body, 0, 10), parts.get(0));
        assertArrayEquals(Arrays.copyOfRange(body, 100_000, 200_000), parts.get(1));
        assertArrayEquals(Arrays.copyOfRange(body, size - 5, size), parts.get(2));
        assertEquals(String.valueOf(response.body().length),
            response.headers().firstValue("Content-Length").orElseThrow());
    }

    @Test
    void shouldAnswerUnsatisfiableRangesWith416AndIgnoreMalformedOnes() throws Exception
    {
        final byte[] body = Bodies.of("u", 1, 1000);
        fixture.put("/objects/u", body);
        final HttpResponse<byte[]> unsatisfiable = fixture.get("/objects/u", "Range", "bytes=1000-2000");
        assertEquals(416, unsatisfiable.statusCode());
        assertEquals("bytes */1000", unsatisfiable.headers().firstValue("Content-Range").orElseThrow());

        for (final String malformed : List.of("bytes=5-2", "bytes=abc", "items=0-1", "bytes="))
        {
            final HttpResponse<byte[]> full = fixture.get("/objects/u", "Range", malformed);
            assertEquals(200, full.statusCode(), malformed);
            assertArrayEquals(body, full.body(), malformed);
        }
        final StringBuilder many = new StringBuilder("bytes=");
        for (int i = 0; i < 40; i++)
        {
            many.append(i == 0 ? "" : ",").append(i * 10).append('-').append(i * 10 + 1);
        }
        final HttpResponse<byte[]> tooMany = fixture.get("/objects/u", "Range", many.toString());
        assertEquals(200, tooMany.statusCode());
        assertArrayEquals(body, tooMany.body());
    }

    @Test
    void shouldAnswerConditionalRequests() throws Exception
    {
        final byte[] body = Bodies.of("c", 1, 5000);
        final HttpResponse<byte[]> put = fixture.put("/objects/c", body);
        final String etag = put.headers().firstValue("ETag").orElseThrow();
        final String lastModified = fixture.get("/objects/c").headers().firstValue("Last-Modified").orElseThrow();

        final HttpResponse<byte[]> notModified = fixture.get("/objects/c", "If-None-Match", etag);
        assertEquals(304, notModified.statusCode());
        assertEquals(0, notModified.body().length);
        assertEquals(etag, notModified.headers().firstValue("ETag").orElseThrow());
        assertEquals(304, fixture.get("/objects/c", "If-None-Match", "\"other\", " + etag).statusCode());
        assertEquals(200, fixture.get("/objects/c", "If-None-Match", "\"other\"").statusCode());
        assertEquals(304, fixture.get("/objects/c", "If-Modified-Since", lastModified).statusCode());
        assertEquals(200, fixture.get("/objects/c", "If-Modified-Since", "Thu, 01 Jan 1970 00:00:00 GMT")
            .statusCode());
        assertEquals(412, fixture.get("/objects/c", "If-Match", "\"other\"").statusCode());

        final HttpResponse<byte[]> ifRangeMatch = fixture.get("/objects/c", "Range", "bytes=0-9", "If-Range", etag);
        assertEquals(206, ifRangeMatch.statusCode());
        assertArrayEquals(Arrays.copyOfRange(body, 0, 10), ifRangeMatch.body());
        final HttpResponse<byte[]> ifRangeStale = fixture.get("/objects/c", "Range", "bytes=0-9", "If-Range",
            "\"stale\"");
        assertEquals(200, ifRangeStale.statusCode());
        assertArrayEquals(body, ifRangeStale.body());
    }

    @Test
    void shouldServeConcurrentDownloadsOfOneLargeObjectByteExact() throws Exception
    {
        final byte[] body = Bodies.of("large", 7, 12 * (1 << 20) + 5);
        assertEquals(201, fixture.put("/objects/large", body).statusCode());
        final ExecutorService pool = Executors.newFixedThreadPool(8);
        try
        {
            final List<Future<byte[]>> downloads = new ArrayList<>();
            for (int i = 0; i < 16; i++)
            {
                final boolean ranged = i % 4 == 3;
                downloads.add(pool.submit(() -> ranged ?
                    fixture.get("/objects/large", "Range", "bytes=1000000-") .body() :
                    fixture.get("/objects/large").body()));
            }
            for (int i = 0; i < downloads.size(); i++)
            {
                final byte[] got = downloads.get(i).get();
                assertArrayEquals(i % 4 == 3 ? Arrays.copyOfRange(body, 1_000_000, body.length) : body, got,
                    "download " + i);
            }
        }
        finally
        {
            pool.shutdownNow();
        }
    }

    @Test
    void shouldServeAnObjectStillBeingUploadedToAReaderThatFollowsIt() throws Exception
    {
        final byte[] body = Bodies.of("slow", 1, 2 * (1 << 20));
        final java.io.PipedOutputStream feed = new java.io.PipedOutputStream();
        final java.io.PipedInputStream source = new java.io.PipedInputStream(feed, 1 << 16);
        final HttpRequest put = HttpRequest.newBuilder(fixture.uri("/objects/slow"))
            .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> source)).build();
        final var upload = fixture.client.sendAsync(put, HttpResponse.BodyHandlers.ofByteArray());
        feed.write(body, 0, 1 << 20);
        feed.flush();
        // The writer is open (a reader opened now follows it) as soon as the PUT's headers are in.
        dev.rawcache.EntryReader probe;
        while ((probe = fixture.server.cache().openReader("o:slow")) == null)
        {
            Thread.sleep(5);
        }
        final boolean followed = probe.isFollowing();
        probe.close();
        assertTrue(followed, "a reader opened during the upload follows the writer");
        final var download = fixture.client.sendAsync(HttpRequest.newBuilder(fixture.uri("/objects/slow")).build(),
            HttpResponse.BodyHandlers.ofByteArray());
        Thread.sleep(300);
        assertTrue(!download.isDone(), "the download waits for the rest of the upload");
        feed.write(body, 1 << 20, body.length - (1 << 20));
        feed.close();
        assertEquals(201, upload.get().statusCode());
        final HttpResponse<byte[]> got = download.get();
        assertEquals(200, got.statusCode());
        assertArrayEquals(body, got.body());
    }
}
