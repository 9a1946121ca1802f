package dev.rawcache.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A {@link RawCacheServer} on a free loopback port over a cache file in a test's directory, and the clients the
 * tests drive it with: the JDK {@link HttpClient}, {@code curl}, and a raw socket for what clients refuse to send.
 */
final class ServerFixture implements AutoCloseable
{
    static final long CAPACITY = 64L << 20;

    final RawCacheServer server;
    final URI base;
    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();

    ServerFixture(final ServerOptions options) throws Exception
    {
        this.server = RawCacheServer.start(options);
        this.base = server.uri();
    }

    static ServerFixture start(final Path dir) throws Exception
    {
        return new ServerFixture(new ServerOptions("127.0.0.1", 0, dir.resolve("server.cache"), CAPACITY, null, null,
            16L << 20, 16 * 1024, 16, Duration.ofSeconds(30), 64, Duration.ofSeconds(10), Duration.ofSeconds(10)));
    }

    URI uri(final String path)
    {
        return base.resolve(path);
    }

    HttpResponse<byte[]> get(final String path, final String... headers) throws Exception
    {
        final HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).GET();
        for (int i = 0; i < headers.length; i += 2)
        {
            request.header(headers[i], headers[i + 1]);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    HttpResponse<byte[]> head(final String path, final String... headers) throws Exception
    {
        final HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30))
            .method("HEAD", HttpRequest.BodyPublishers.noBody());
        for (int i = 0; i < headers.length; i += 2)
        {
            request.header(headers[i], headers[i + 1]);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    HttpResponse<byte[]> put(final String path, final byte[] body, final String... headers) throws Exception
    {
        final HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30))
            .PUT(HttpRequest.BodyPublishers.ofByteArray(body));
        for (int i = 0; i < headers.length; i += 2)
        {
            request.header(headers[i], headers[i + 1]);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    HttpResponse<byte[]> delete(final String path) throws Exception
    {
        return client.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).DELETE().build(),
            HttpResponse.BodyHandlers.ofByteArray());
    }

    /** Sends raw bytes on a new connection and returns everything the server sends until it closes. */
    String raw(final String request, final int timeoutMillis) throws IOException
    {
        try (Socket socket = new Socket(base.getHost(), base.getPort()))
        {
            socket.setSoTimeout(timeoutMillis);
            final OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            final InputStream in = socket.getInputStream();
            final ByteArrayOutputStream response = new ByteArrayOutputStream();
            final byte[] buf = new byte[8192];
            try
            {
                int n;
                while ((n = in.read(buf)) >= 0)
                {
                    response.write(buf, 0, n);
                }
            }
            catch (final java.net.SocketTimeoutException e)
            {
                // What arrived so far is the answer.
            }
            catch (final java.net.SocketException e)
            {
                // Reset after the response: what arrived so far is the answer.
            }
            return response.toString(StandardCharsets.ISO_8859_1);
        }
    }

    /** The result of one curl run. */
    record Curl(int status, String headers, byte[] body)
    {
        String header(final String name)
        {
            String value = null;
            for (final String line : headers.split("\r\n"))
            {
                final int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name))
                {
                    value = line.substring(colon + 1).trim();
                }
            }
            return value;
        }
    }

    /** Runs curl against the server: {@code args} go before the URL, which is this server's {@code path}. */
    Curl curl(final Path tmp, final String path, final String... args) throws Exception
    {
        final Path headers = Files.createTempFile(tmp, "curl", ".headers");
        final Path body = Files.createTempFile(tmp, "curl", ".body");
        final List<String> command = new ArrayList<>(List.of("curl", "-sS", "--max-time", "30", "-D",
            headers.toString(), "-o", body.toString(), "-w", "%{http_code}"));
        command.addAll(List.of(args));
        command.add(uri(path).toString());
        final Process process;
        try
        {
            process = new ProcessBuilder(command).redirectErrorStream(false).start();
        }
        catch (final IOException e)
        {
            throw new AssertionError("curl is needed by the HTTP server tests and was not found on PATH; " +
                "install it (./rawcache test installs it when run as root with apt-get)", e);
        }
        final String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        final String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "curl did not finish");
        if (process.exitValue() != 0 && out.isEmpty())
        {
            fail("curl " + command + " failed with exit code " + process.exitValue() + ": " + err);
        }
        final String allHeaders = Files.readString(headers, StandardCharsets.ISO_8859_1);
        // With -D and several responses (100 Continue), keep the last header block.
        final int last = allHeaders.lastIndexOf("HTTP/1.1 ");
        return new Curl(Integer.parseInt(out.substring(Math.max(0, out.length() - 3))),
            last > 0 ? allHeaders.substring(last) : allHeaders, Files.readAllBytes(body));
    }

    @Override
    public void close()
    {
        server.close();
    }
}
