package dev.rawcache.server;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every status the server gives, through {@code curl}, and the limits: oversized headers, lines and bodies, too many
 * ranges, slow clients, malformed requests. After each, the server still serves and the stored object is intact.
 */
class LimitsAndStatusTest
{
    private static final long MAX_BODY = 1 << 20;

    @TempDir
    Path dir;

    private ServerFixture fixture;
    private byte[] kept;

    @BeforeEach
    void start() throws Exception
    {
        fixture = new ServerFixture(new ServerOptions("127.0.0.1", 0, dir.resolve("server.cache"),
            ServerFixture.CAPACITY, null, null, MAX_BODY, 8 * 1024, 4, Duration.ofSeconds(1), 16,
            Duration.ofSeconds(10), Duration.ofSeconds(10)));
        kept = Bodies.of("kept", 1, 100_000);
        assertEquals(201, fixture.put("/objects/kept", kept).statusCode());
    }

    @AfterEach
    void stop()
    {
        fixture.close();
    }

    private void assertKeptIntact() throws Exception
    {
        final HttpResponse<byte[]> get = fixture.get("/objects/kept");
        assertEquals(200, get.statusCode());
        assertArrayEquals(kept, get.body());
        assertEquals(0, fixture.server.cache().stats().checksumFailures());
    }

    @Test
    void shouldGiveEveryStatusToCurl() throws Exception
    {
        final Path upload = dir.resolve("upload.bin");
        final byte[] body = Bodies.of("curl", 1, 70_000);
        Files.write(upload, body);
        ServerFixture.Curl c = fixture.curl(dir, "/objects/curl", "-X", "PUT", "--data-binary", "@" + upload,
            "-H", "Content-Type: application/x-curl");
        assertEquals(201, c.status());
        final String etag = c.header("ETag");

        c = fixture.curl(dir, "/objects/curl");
        assertEquals(200, c.status());
        assertArrayEquals(body, c.body());
        assertEquals("application/x-curl", c.header("Content-Type"));

        c = fixture.curl(dir, "/objects/curl", "-r", "100-199");
        assertEquals(206, c.status());
        assertEquals("bytes 100-199/70000", c.header("Content-Range"));
        assertArrayEquals(Arrays.copyOfRange(body, 100, 200), c.body());

        c = fixture.curl(dir, "/objects/curl", "-r", "0-9,-10");
        assertEquals(206, c.status());
        final String type = c.header("Content-Type");
        assertTrue(type.startsWith("multipart/byteranges"), type);
        final var parts = MultipartParser.parts(c.body(), type.substring(type.indexOf('=') + 1),
            "application/x-curl", body.length);
        assertArrayEquals(Arrays.copyOfRange(body, 0, 10), parts.get(0));
        assertArrayEquals(Arrays.copyOfRange(body, body.length - 10, body.length), parts.get(1));

        assertEquals(304, fixture.curl(dir, "/objects/curl", "-H", "If-None-Match: " + etag).status());
        assertEquals(412, fixture.curl(dir, "/objects/curl", "-H", "If-Match: \"nope\"").status());
        c = fixture.curl(dir, "/objects/curl", "-r", "70000-");
        assertEquals(416, c.status());
        assertEquals("bytes */70000", c.header("Content-Range"));
        assertEquals(200, fixture.curl(dir, "/objects/curl", "-I").status());
        assertEquals(405, fixture.curl(dir, "/objects/curl", "-X", "POST", "--data", "x").status());
        assertEquals(404, fixture.curl(dir, "/objects/none").status());
        assertEquals(404, fixture.curl(dir, "/elsewhere").status());
        assertEquals(204, fixture.curl(dir, "/objects/curl", "-X", "DELETE").status());
        assertEquals(404, fixture.curl(dir, "/objects/curl").status());

        final Path big = dir.resolve("big.bin");
        Files.write(big, new byte[(int)MAX_BODY + 1]);
        assertEquals(413, fixture.curl(dir, "/objects/kept", "-X", "PUT", "--data-binary", "@" + big).status());
        assertEquals(431, fixture.curl(dir, "/objects/kept", "-H", "X-Big: " + "a".repeat(10_000)).status());
        assertEquals(414, fixture.curl(dir, "/objects/" + "b".repeat(10_000)).status());
        c = fixture.curl(dir, "/stats");
        assertEquals(200, c.status());
        assertEquals("application/json", c.header("Content-Type"));
        final String json = new String(c.body(), StandardCharsets.UTF_8);
        assertTrue(json.contains("\"entries\":1") && json.contains("\"uploads\":"), json);
        c = fixture.curl(dir, "/metrics");
        final String metrics = new String(c.body(), StandardCharsets.UTF_8);
        assertTrue(metrics.contains("# TYPE rawcache_entries gauge\nrawcache_entries 1\n"), metrics);
        assertTrue(metrics.contains("rawcache_server_requests_total "), metrics);
        assertKeptIntact();
    }

    @Test
    void shouldKeepConnectionsAliveForCurl() throws Exception
    {
        final Process process = new ProcessBuilder("curl", "-sS", "-o", "/dev/null", "-o", "/dev/null", "-w",
            "%{http_code} %{num_connects}\n", fixture.uri("/objects/kept").toString(),
            fixture.uri("/objects/kept").toString()).start();
        final String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor());
        assertEquals("200 1\n200 0\n", out, "the second request reuses the first connection");
    }

    @Test
    void shouldRefuseOversizedUploadsAndKeepTheOldObject() throws Exception
    {
        final HttpResponse<byte[]> declared = fixture.put("/objects/kept", new byte[(int)MAX_BODY + 10]);
        assertEquals(413, declared.statusCode());
        assertTrue(new String(declared.body(), StandardCharsets.UTF_8).contains(String.valueOf(MAX_BODY)));
        final byte[] huge = new byte[(int)MAX_BODY * 2];
        final HttpResponse<byte[]> chunked = fixture.client.send(HttpRequest.newBuilder(
                fixture.uri("/objects/kept")).PUT(HttpRequest.BodyPublishers.ofInputStream(
                () -> new ByteArrayInputStream(huge))).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(413, chunked.statusCode());
        assertKeptIntact();
    }

    @Test
    void shouldAnswerSlowAndMalformedClients() throws Exception
    {
        final String halfHeader = fixture.raw("GET /objects/kept HTTP/1.1\r\nHost: x\r\n", 5000);
        assertTrue(halfHeader.startsWith("HTTP/1.1 408 "), halfHeader);
        final String halfBody = fixture.raw("PUT /objects/kept HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" +
            "only ten..", 5000);
        assertTrue(halfBody.startsWith("HTTP/1.1 408 "), halfBody);
        final String garbage = fixture.raw("GARBAGE\r\n\r\n", 5000);
        assertTrue(garbage.startsWith("HTTP/1.1 400 "), garbage);
        final String badLength = fixture.raw("PUT /objects/kept HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
            5000);
        assertTrue(badLength.startsWith("HTTP/1.1 400 "), badLength);
        final String idle = fixture.raw("", 5000);
        assertEquals("", idle, "an idle connection is closed quietly");
        assertKeptIntact();
    }

    @Test
    void shouldIgnoreMoreRangesThanTheLimit() throws Exception
    {
        final HttpResponse<byte[]> response = fixture.get("/objects/kept", "Range", "bytes=0-0,2-2,4-4,6-6,8-8");
        assertEquals(200, response.statusCode());
        assertArrayEquals(kept, response.body());
        assertEquals(206, fixture.get("/objects/kept", "Range", "bytes=0-0,2-2,4-4,6-6").statusCode());
    }

    @Test
    void shouldRefuseAMalformedChunkedUploadAndKeepTheOldObject() throws Exception
    {
        final String answer = fixture.raw("PUT /objects/kept HTTP/1.1\r\nHost: x\r\n" +
            "Transfer-Encoding: chunked\r\n\r\n3\r\nBAD\r\nzz\r\n", 5000);
        assertTrue(answer.startsWith("HTTP/1.1 400 "), answer);
        assertKeptIntact();
    }

    @Test
    void shouldRefuseAmbiguousFraming() throws Exception
    {
        final String both = fixture.raw("PUT /objects/kept HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n" +
            "Transfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n", 5000);
        assertTrue(both.startsWith("HTTP/1.1 400 "), both);
        final String notChunked = fixture.raw("PUT /objects/kept HTTP/1.1\r\nHost: x\r\n" +
            "Transfer-Encoding: gzip\r\n\r\nabcd", 5000);
        assertTrue(notChunked.startsWith("HTTP/1.1 400 "), notChunked);
        assertKeptIntact();
    }

    @Test
    void shouldNotProcessRequestsAfterConnectionClose() throws Exception
    {
        final String answer = fixture.raw("GET /objects/kept HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" +
            "DELETE /objects/kept HTTP/1.1\r\nHost: x\r\n\r\n", 5000);
        assertTrue(answer.startsWith("HTTP/1.1 200 "), answer);
        assertEquals(1, answer.split("HTTP/1.1 ", -1).length - 1, answer);
        assertKeptIntact();
    }

    @Test
    void shouldAnswerTooLongObjectNamesWith414() throws Exception
    {
        final String name = "n".repeat(3000);
        assertEquals(414, fixture.get("/objects/" + name).statusCode());
        assertEquals(414, fixture.put("/objects/" + name, new byte[10]).statusCode());
        assertEquals(414, fixture.delete("/objects/" + name).statusCode());
    }

    @Test
    void shouldAnswerOnceWhenTheBodyOfARefusedRequestNeverComes() throws Exception
    {
        final String answer = fixture.raw("POST /objects/kept HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nab",
            5000);
        assertTrue(answer.startsWith("HTTP/1.1 405 "), answer);
        assertEquals(1, answer.split("HTTP/1.1 ", -1).length - 1, answer);
    }
}
