package dev.rawcache;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs a main class of the test sources in a second JVM with the flags rawcache needs, bounded in time, and returns
 * what it printed as {@code name=value} lines.
 */
public final class ChildJvm
{
    private static final long TIMEOUT_SECONDS = 60;

    private ChildJvm()
    {
    }

    /**
     * Runs {@code main} with {@code args} and waits for it.
     *
     * @param workDir where to put its output files.
     * @param main    the main class.
     * @param args    its arguments.
     * @return each {@code name=value} line of its standard output, by name.
     * @throws IOException          when it cannot be started.
     * @throws InterruptedException when interrupted while waiting.
     */
    public static Map<String, String> run(final Path workDir, final Class<?> main, final String... args)
        throws IOException, InterruptedException
    {
        final String java = ProcessHandle.current().info().command()
            .orElseThrow(() -> new IllegalStateException("cannot tell which java runs this test"));
        final List<String> command = new ArrayList<>(List.of(java,
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "--enable-native-access=ALL-UNNAMED",
            "-cp", System.getProperty("java.class.path"),
            main.getName()));
        command.addAll(List.of(args));
        final Path out = Files.createTempFile(workDir, main.getSimpleName(), ".out");
        final Path err = Files.createTempFile(workDir, main.getSimpleName(), ".err");
        final Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
            .start();
        try
        {
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS))
            {
                fail("child JVM running " + main.getName() + " did not finish in " + TIMEOUT_SECONDS + " s");
            }
        }
        finally
        {
            if (process.isAlive())
            {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        final String stdout = Files.readString(out);
        final String stderr = Files.readString(err);
        assertEquals(0, process.exitValue(), () -> "child JVM failed:\n" + stdout + stderr);
        final Map<String, String> values = new HashMap<>();
        for (final String line : stdout.split("\n"))
        {
            final int equals = line.indexOf('=');
            if (equals > 0)
            {
                values.put(line.substring(0, equals).trim(), line.substring(equals + 1).trim());
            }
        }
        return values;
    }
}
