package dev.rawcache.bench.compare;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * The machine, kernel, JVM and commit a run measured, for the results' header.
 *
 * @param date       when the run started, UTC.
 * @param commit     the git commit (from {@code -Dcompare.commit}, set by the script), or "unknown".
 * @param cpuModel   the CPU's model name.
 * @param cpus       available processors.
 * @param memory     total RAM.
 * @param kernel     the kernel release.
 * @param fileSystem the file system and device under the data directory.
 * @param jdk        the JVM's vendor and version.
 * @param jvmArgs    the JVM's heap flags and a count of the others.
 * @param loadBefore load averages at the start.
 * @param loadAfter  load averages at the end (filled in by {@link #finished()}).
 */
record Environment(String date, String commit, String cpuModel, int cpus, String memory, String kernel,
                   String fileSystem, String jdk, String jvmArgs, String loadBefore, String loadAfter)
{
    /**
     * Reads the environment at the start of a run.
     *
     * @param dataDirectory where the engines' files go.
     * @return the environment.
     */
    static Environment capture(final Path dataDirectory)
    {
        final List<String> args = ManagementFactory.getRuntimeMXBean().getInputArguments();
        final String heap = String.join(" ", args.stream().filter(a -> a.startsWith("-Xm") || a.startsWith("-XX:"))
            .toList());
        return new Environment(
            ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")),
            System.getProperty("compare.commit", "unknown"),
            firstValue(Path.of("/proc/cpuinfo"), "model name", "unknown CPU"),
            Runtime.getRuntime().availableProcessors(),
            totalMemory(),
            read(Path.of("/proc/sys/kernel/osrelease"), "unknown").strip(),
            fileSystem(dataDirectory),
            System.getProperty("java.vm.vendor", "") + " " + Runtime.version(),
            heap + " and " + (args.size() - heap.split(" ").length) + " other flags (see run-compare.sh)",
            load(), "");
    }

    /**
     * The same environment with the load average at the end.
     *
     * @return a copy.
     */
    Environment finished()
    {
        return new Environment(date, commit, cpuModel, cpus, memory, kernel, fileSystem, jdk, jvmArgs, loadBefore,
            load());
    }

    private static String load()
    {
        final String[] parts = read(Path.of("/proc/loadavg"), "? ? ?").split(" ");
        return parts.length >= 3 ? parts[0] + " " + parts[1] + " " + parts[2] : "?";
    }

    private static String totalMemory()
    {
        final String total = firstValue(Path.of("/proc/meminfo"), "MemTotal", "");
        if (total.endsWith("kB"))
        {
            final long kb = Long.parseLong(total.replace("kB", "").strip());
            return String.format(Locale.ROOT, "%.1f GiB", kb / (1024.0 * 1024));
        }
        return "unknown";
    }

    private static String fileSystem(final Path directory)
    {
        final String path = directory.toAbsolutePath().normalize().toString();
        String best = "unknown";
        int bestLength = -1;
        for (final String line : read(Path.of("/proc/mounts"), "").split("\n"))
        {
            final String[] f = line.split(" ");
            if (f.length >= 3 && (path.equals(f[1]) || path.startsWith(f[1].endsWith("/") ? f[1] : f[1] + "/")) &&
                f[1].length() > bestLength)
            {
                best = f[2] + " (" + f[0] + ")";
                bestLength = f[1].length();
            }
        }
        return best;
    }

    private static String firstValue(final Path file, final String key, final String fallback)
    {
        for (final String line : read(file, "").split("\n"))
        {
            if (line.startsWith(key))
            {
                final int colon = line.indexOf(':');
                return colon < 0 ? fallback : line.substring(colon + 1).strip();
            }
        }
        return fallback;
    }

    private static String read(final Path file, final String fallback)
    {
        try
        {
            return Files.readString(file);
        }
        catch (final IOException | RuntimeException e)
        {
            return fallback;
        }
    }
}
