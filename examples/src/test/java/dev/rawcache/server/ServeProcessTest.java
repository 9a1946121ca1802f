package dev.rawcache.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ./rawcache serve} as its own process: it prints the URL it listens on, stops on SIGTERM after closing the
 * cache (exit code 143, as any JVM stopped by SIGTERM), and the next start serves what the last one stored (a warm
 * restart). Bad usage exits 2.
 */
class ServeProcessTest
{
    private static final Pattern LISTENING = Pattern.compile("listening on (http://\\S+)");

    @TempDir
    Path dir;

    private Path log;

    private Process start(final String... args) throws Exception
    {
        log = java.nio.file.Files.createTempFile(dir, "serve", ".log");
        final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        final List<String> command = new java.util.ArrayList<>(List.of(java,
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED",
            "--sun-misc-unsafe-memory-access=allow", "-cp", System.getProperty("java.class.path"),
            RawCacheServer.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private URI awaitUrl(final Process process) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline)
        {
            final Matcher m = LISTENING.matcher(output());
            if (m.find())
            {
                return URI.create(m.group(1));
            }
            if (!process.isAlive())
            {
                break;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the server printed no URL:\n" + output());
    }

    private String output() throws java.io.IOException
    {
        return java.nio.file.Files.readString(log, StandardCharsets.UTF_8);
    }

    @Test
    void shouldPrintItsUrlStopOnSigtermAndRestartWarm() throws Exception
    {
        final String cache = dir.resolve("serve.cache").toString();
        final byte[] body = Bodies.of("warm", 3, 300_000);
        final HttpClient client = HttpClient.newHttpClient();

        final Process first = start("--port", "0", "--cache", cache, "--capacity", "32m");
        try
        {
            final URI base = awaitUrl(first);
            final HttpResponse<String> put = client.send(HttpRequest.newBuilder(base.resolve("/objects/warm"))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(201, put.statusCode());
            first.destroy();   // SIGTERM
            assertTrue(first.waitFor(30, TimeUnit.SECONDS), "the server stops on SIGTERM");
            assertEquals(143, first.exitValue(), "a JVM stopped by SIGTERM exits 128 + 15 once its hooks have run");
            assertTrue(output().contains("stopped; cache"), output());
        }
        finally
        {
            first.destroyForcibly();
        }

        final Process second = start("--port", "0", "--cache", cache);
        try
        {
            final URI base = awaitUrl(second);
            final HttpResponse<byte[]> get = client.send(HttpRequest.newBuilder(base.resolve("/objects/warm"))
                .build(), HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, get.statusCode());
            assertArrayEquals(body, get.body());
        }
        finally
        {
            second.destroy();
            second.waitFor(30, TimeUnit.SECONDS);
            second.destroyForcibly();
        }
    }

    @Test
    void shouldExitWithUsageErrorsNamingTheArgument() throws Exception
    {
        final Process process = start("--port", "70000");
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        final String out = output();
        assertEquals(2, process.exitValue());
        assertTrue(out.contains("--port 70000 must be between 0 and 65535"), out);
    }
}
