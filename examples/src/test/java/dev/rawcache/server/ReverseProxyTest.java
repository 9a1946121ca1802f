package dev.rawcache.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reverse proxy against a small origin that counts its requests: one origin fetch for N concurrent misses,
 * hits afterwards, {@code no-store} passed through, revalidation by {@code 304} updating metadata only, stale served
 * when the origin fails within {@code stale-if-error}.
 */
class ReverseProxyTest
{
    @TempDir
    Path dir;

    private HttpServer origin;
    private final Map<String, AtomicInteger> originHits = new ConcurrentHashMap<>();
    private final List<String> conditionalHeaders = new CopyOnWriteArrayList<>();
    private final AtomicInteger version = new AtomicInteger(1);
    private volatile CountDownLatch slowRelease = new CountDownLatch(0);
    private volatile boolean failing;
    private volatile boolean stalling = true;
    private final AtomicInteger versions = new AtomicInteger();
    private ServerFixture fixture;

    @BeforeEach
    void start() throws Exception
    {
        origin = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        origin.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        origin.createContext("/", this::serveOrigin);
        origin.start();
        fixture = new ServerFixture(new ServerOptions("127.0.0.1", 0, dir.resolve("server.cache"),
            ServerFixture.CAPACITY, null, URI.create("http://127.0.0.1:" + origin.getAddress().getPort() + "/"),
            16L << 20, 16 * 1024, 16, Duration.ofSeconds(30), 16, Duration.ofSeconds(5), Duration.ofSeconds(10)));
    }

    @AfterEach
    void stop()
    {
        fixture.close();
        origin.stop(0);
    }

    /** Paths: /big/* (2 MiB, slow: waits for slowRelease), /nostore/*, /short/* (max-age=1 with an ETag). */
    private void serveOrigin(final HttpExchange exchange) throws IOException
    {
        final String path = exchange.getRequestURI().toString();
        originHits.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
        if (failing)
        {
            exchange.sendResponseHeaders(503, -1);
            exchange.close();
            return;
        }
        if (path.startsWith("/ver/"))
        {
            // Always a new version, whatever the request's validators: each response's body matches its ETag.
            final int n = versions.incrementAndGet();
            final byte[] body = Bodies.of(path, n, 50_000);
            exchange.getResponseHeaders().add("Cache-Control", "max-age=1");
            exchange.getResponseHeaders().add("ETag", "\"" + n + "\"");
            sleepQuietly(200);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody())
            {
                out.write(body);
            }
            return;
        }
        if (path.startsWith("/stall/"))
        {
            final byte[] body = Bodies.of(path, 1, 100_000);
            exchange.getResponseHeaders().add("Cache-Control", "max-age=60");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody())
            {
                out.write(body, 0, stalling ? 10 : body.length);
                out.flush();
                if (stalling)
                {
                    sleepQuietly(20_000);
                }
            }
            catch (final IOException e)
            {
                // The proxy gave up on us.
            }
            return;
        }
        if (path.startsWith("/cookie"))
        {
            exchange.getResponseHeaders().add("Set-Cookie", "session=abc; HttpOnly");
        }
        final int v = version.get();
        final String etag = "\"v" + v + "\"";
        if (path.startsWith("/short/"))
        {
            final String inm = exchange.getRequestHeaders().getFirst("If-None-Match");
            if (inm != null)
            {
                conditionalHeaders.add(inm);
            }
            exchange.getResponseHeaders().add("Cache-Control", "max-age=1, stale-if-error=60");
            exchange.getResponseHeaders().add("ETag", etag);
            exchange.getResponseHeaders().add("X-Origin-Version", String.valueOf(v));
            if (etag.equals(inm))
            {
                exchange.sendResponseHeaders(304, -1);
                exchange.close();
                return;
            }
        }
        else if (path.startsWith("/nostore/"))
        {
            exchange.getResponseHeaders().add("Cache-Control", "no-store");
        }
        else
        {
            exchange.getResponseHeaders().add("Cache-Control", "max-age=3600");
        }
        exchange.getResponseHeaders().add("Content-Type", "application/x-origin");
        final byte[] body = Bodies.of(path, path.startsWith("/short/") ? 1 : v,
            path.startsWith("/big/") ? 2 * (1 << 20) : 10_000);
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody())
        {
            if (path.startsWith("/big/"))
            {
                out.write(body, 0, 100_000);
                out.flush();
                try
                {
                    slowRelease.await(10, TimeUnit.SECONDS);
                }
                catch (final InterruptedException e)
                {
                    Thread.currentThread().interrupt();
                }
                out.write(body, 100_000, body.length - 100_000);
            }
            else
            {
                out.write(body);
            }
        }
    }

    private static void sleepQuietly(final long millis)
    {
        try
        {
            Thread.sleep(millis);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
    }

    private int hits(final String path)
    {
        final AtomicInteger n = originHits.get(path);
        return n == null ? 0 : n.get();
    }

    @Test
    void shouldFetchOnceForManyConcurrentMissesAndStreamToAll() throws Exception
    {
        slowRelease = new CountDownLatch(1);
        final String path = "/big/object?q=1";
        final byte[] expected = Bodies.of(path, 1, 2 * (1 << 20));
        final int clients = 16;
        final ExecutorService pool = Executors.newFixedThreadPool(clients);
        try
        {
            final List<Future<HttpResponse<byte[]>>> responses = new ArrayList<>();
            for (int i = 0; i < clients; i++)
            {
                responses.add(pool.submit(() -> fixture.get(path)));
            }
            // Every client is waiting on the one slow fill; let the origin finish.
            Thread.sleep(500);
            slowRelease.countDown();
            int misses = 0;
            for (final Future<HttpResponse<byte[]>> f : responses)
            {
                final HttpResponse<byte[]> response = f.get(30, TimeUnit.SECONDS);
                assertEquals(200, response.statusCode());
                assertArrayEquals(expected, response.body());
                assertEquals("application/x-origin", response.headers().firstValue("Content-Type").orElseThrow());
                misses += "MISS".equals(response.headers().firstValue("X-Cache").orElse("")) ? 1 : 0;
            }
            assertEquals(1, hits(path), "one origin request for " + clients + " concurrent misses");
            assertEquals(1, misses);
        }
        finally
        {
            pool.shutdownNow();
        }
        final HttpResponse<byte[]> again = fixture.get(path);
        assertEquals("HIT", again.headers().firstValue("X-Cache").orElseThrow());
        assertArrayEquals(expected, again.body());
        final ServerFixture.Curl curl = fixture.curl(dir, path);
        assertEquals(200, curl.status());
        assertEquals("HIT", curl.header("X-Cache"));
        assertArrayEquals(expected, curl.body());
        final HttpResponse<byte[]> range = fixture.get(path, "Range", "bytes=1000-1999");
        assertEquals(206, range.statusCode());
        assertArrayEquals(Arrays.copyOfRange(expected, 1000, 2000), range.body());
        assertEquals(1, hits(path));
    }

    @Test
    void shouldPassNoStoreResponsesThroughWithoutCaching() throws Exception
    {
        final String path = "/nostore/x";
        for (int i = 1; i <= 3; i++)
        {
            final HttpResponse<byte[]> response = fixture.get(path);
            assertEquals(200, response.statusCode());
            assertArrayEquals(Bodies.of(path, 1, 10_000), response.body());
            assertEquals("MISS", response.headers().firstValue("X-Cache").orElseThrow());
            assertEquals(i, hits(path));
        }
        assertEquals(false, fixture.server.cache().contains("p:" + path));
    }

    @Test
    void shouldRevalidateWithIfNoneMatchAndUpdateOnlyTheMetadataOn304() throws Exception
    {
        final String path = "/short/r";
        final byte[] expected = Bodies.of(path, 1, 10_000);
        final HttpResponse<byte[]> first = fixture.get(path);
        assertEquals("MISS", first.headers().firstValue("X-Cache").orElse(first.statusCode() + " " +
            new String(first.body(), java.nio.charset.StandardCharsets.UTF_8)));
        assertArrayEquals(expected, first.body());
        assertEquals("HIT", fixture.get(path).headers().firstValue("X-Cache").orElseThrow());
        Thread.sleep(1300);
        final long updatesBefore = fixture.server.cache().stats().metadataUpdates();
        final HttpResponse<byte[]> revalidated = fixture.get(path);
        assertEquals("REVALIDATED", revalidated.headers().firstValue("X-Cache").orElseThrow());
        assertArrayEquals(expected, revalidated.body());
        assertEquals(List.of("\"v1\""), conditionalHeaders);
        assertEquals(updatesBefore + 1, fixture.server.cache().stats().metadataUpdates());
        // Fresh again after the 304: a hit, no origin request.
        final int before = hits(path);
        assertEquals("HIT", fixture.get(path).headers().firstValue("X-Cache").orElseThrow());
        assertEquals(before, hits(path));
    }

    @Test
    void shouldServeStaleWhenTheOriginFailsWithinStaleIfError() throws Exception
    {
        final String path = "/short/s";
        final byte[] expected = Bodies.of(path, 1, 10_000);
        assertArrayEquals(expected, fixture.get(path).body());
        Thread.sleep(1300);
        failing = true;
        final HttpResponse<byte[]> stale = fixture.get(path);
        assertEquals(200, stale.statusCode());
        assertEquals("STALE", stale.headers().firstValue("X-Cache").orElseThrow());
        assertArrayEquals(expected, stale.body());
        // A miss with the origin failing is its error, passed through.
        assertEquals(503, fixture.get("/other").statusCode());
    }

    @Test
    void shouldAnswer502WhenTheOriginIsDown() throws Exception
    {
        origin.stop(0);
        final HttpResponse<byte[]> response = fixture.get("/anything");
        assertEquals(502, response.statusCode());
        assertEquals(502, fixture.curl(dir, "/anything/else").status());
    }

    @Test
    void shouldFillAHeadMissWithAGet() throws Exception
    {
        final HttpResponse<byte[]> head = fixture.head("/h/1");
        assertEquals(200, head.statusCode());
        assertEquals(0, head.body().length);
        final HttpResponse<byte[]> get = fixture.get("/h/1");
        assertEquals("HIT", get.headers().firstValue("X-Cache").orElseThrow());
        assertArrayEquals(Bodies.of("/h/1", 1, 10_000), get.body());
        assertEquals(1, hits("/h/1"));
    }

    @Test
    void shouldServeEachRefillsBodyWithItsOwnHeaders() throws Exception
    {
        final String path = "/ver/a";
        assertArrayEquals(Bodies.of(path, 1, 50_000), fixture.get(path).body());
        Thread.sleep(1300);
        final ExecutorService pool = Executors.newFixedThreadPool(4);
        try
        {
            final List<Future<HttpResponse<byte[]>>> responses = new ArrayList<>();
            for (int i = 0; i < 4; i++)
            {
                responses.add(pool.submit(() -> fixture.get(path)));
            }
            for (final Future<HttpResponse<byte[]>> f : responses)
            {
                final HttpResponse<byte[]> response = f.get(30, TimeUnit.SECONDS);
                assertEquals(200, response.statusCode());
                final String etag = response.headers().firstValue("ETag").orElseThrow();
                final int version = Integer.parseInt(etag.replace("\"", ""));
                assertArrayEquals(Bodies.of(path, version, 50_000), response.body(),
                    "the body is the one its ETag names (" + etag + ")");
            }
        }
        finally
        {
            pool.shutdownNow();
        }
        assertEquals(2, hits(path), "one origin request for the refill of 4 concurrent stale requests");
    }

    @Test
    void shouldCutAStalledOriginBodyAndRecover() throws Exception
    {
        final String path = "/stall/x";
        final java.util.concurrent.CompletableFuture<HttpResponse<byte[]>> stalled = fixture.client.sendAsync(
            java.net.http.HttpRequest.newBuilder(fixture.uri(path)).build(), HttpResponse.BodyHandlers.ofByteArray());
        try
        {
            final HttpResponse<byte[]> response = stalled.get(20, TimeUnit.SECONDS);
            throw new AssertionError("a body the origin never finished was taken as whole: " +
                response.body().length + " bytes");
        }
        catch (final java.util.concurrent.ExecutionException e)
        {
            assertTrue(e.getCause() instanceof IOException, e.toString());
        }
        stalling = false;
        final HttpResponse<byte[]> recovered = fixture.get(path);
        assertEquals(200, recovered.statusCode());
        assertArrayEquals(Bodies.of(path, 1, 100_000), recovered.body());
        assertEquals(false, fixture.server.cache().stats().checksumFailures() > 0);
    }

    @Test
    void shouldRefuseTargetsThatLeaveTheOrigin() throws Exception
    {
        for (final String target : List.of("@127.0.0.1:1/secret", "//evil.example/x", ".evil.example/x"))
        {
            final String answer = fixture.raw("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                5000);
            assertTrue(answer.startsWith("HTTP/1.1 400 "), target + " -> " + answer);
        }
        final String absolute = fixture.raw("GET http://whatever.example/abs?q=1 HTTP/1.1\r\nHost: x\r\n" +
            "Connection: close\r\n\r\n", 5000);
        assertTrue(absolute.startsWith("HTTP/1.1 200 "), absolute);
        assertEquals(1, hits("/abs?q=1"), "an absolute-form target goes to the origin, by its path");
    }

    @Test
    void shouldPassSetCookieThroughWithoutStoringIt() throws Exception
    {
        for (int i = 1; i <= 2; i++)
        {
            final HttpResponse<byte[]> response = fixture.get("/cookie");
            assertEquals("session=abc; HttpOnly", response.headers().firstValue("Set-Cookie").orElseThrow());
            assertEquals(i, hits("/cookie"));
        }
    }

    @Test
    void shouldAnswerAPipelinedPutBehindAProxiedResponse() throws Exception
    {
        final String answer = fixture.raw("GET /p/1 HTTP/1.1\r\nHost: x\r\n\r\n" +
            "PUT /objects/pipelined HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nConnection: close\r\n\r\nabcd",
            10_000);
        final int first = answer.indexOf("HTTP/1.1 200 ");
        final int second = answer.indexOf("HTTP/1.1 201 ");
        assertTrue(first >= 0 && second > first, answer);
        assertArrayEquals("abcd".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
            fixture.get("/objects/pipelined").body());
    }
}
