package dev.rawcache;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Kills a child JVM that stores, overwrites and removes keys with SIGKILL at random moments, twenty times over the
 * same cache file, and checks after each crash that: every store or remove acknowledged more than a second before
 * the kill survived; every key holds a complete version that was written for it (never a partial or foreign one);
 * recovery found no block owned twice and no checksum failure. At the end, with every key removed, only the
 * checkpoints' blocks are in use: nothing leaked over the crashes.
 */
class CrashRecoveryTest
{
    static final int KEYS = 120;
    private static final long CAPACITY = 48L << 20;
    private static final int CYCLES = 20;
    private static final long DURABLE_AFTER_MILLIS = 1100;

    @TempDir
    Path dir;

    static CacheConfig config(final Path path, final long capacity)
    {
        return CacheConfig.builder(path).capacityBytes(capacity).journalBytes(256 * 1024).build();
    }

    static String key(final int k)
    {
        return "crash/key-" + k;
    }

    static int size(final String key, final long version)
    {
        final int pick = (int)Math.floorMod(key.hashCode() * 31L + version, 100);
        return pick < 70 ? 16 + pick * 57 : pick < 95 ? 8192 + pick * 311 : 70_000 + pick * 1000;
    }

    /** What a key may hold after a crash: the versions it may carry, -1 meaning absent. */
    private static final class KeyState
    {
        long settled = -1;
        final List<Long> pending = new ArrayList<>();
    }

    @Test
    void shouldRecoverEveryAcknowledgedStoreAndNothingPartialAcrossTwentyKills() throws Exception
    {
        final Path path = dir.resolve("crash.cache");
        final Random random = new Random(20261121);
        final Map<String, Long> current = new HashMap<>();
        long nextVersion = 1;
        int cyclesWithDurableChecks = 0;
        for (int cycle = 0; cycle < CYCLES; cycle++)
        {
            final Child child = Child.start(path, nextVersion, random.nextLong(), dir.resolve("ops-" + cycle + ".log"));
            final Map<String, Long> found = child.awaitReady();
            if (cycle > 0)
            {
                assertEquals(current, found, "cycle " + cycle + ": recovered state");
            }
            current.clear();
            current.putAll(found);
            assertEquals("0 0 0", child.readyCounters(), "recovery failures, checksum failures, evictions");

            Thread.sleep(300 + random.nextInt(1500));
            final long killedAt = System.currentTimeMillis();
            child.kill();

            // What each key may hold now: its last state acknowledged well before the kill, or anything begun after.
            final Map<String, KeyState> allowed = new HashMap<>();
            for (final Map.Entry<String, Long> e : current.entrySet())
            {
                allowed.computeIfAbsent(e.getKey(), k -> new KeyState()).settled = e.getValue();
            }
            boolean durableCheck = false;
            for (final Child.Op op : child.ops)
            {
                final KeyState state = allowed.computeIfAbsent(op.key, k -> new KeyState());
                if (op.done && killedAt - op.atMillis > DURABLE_AFTER_MILLIS)
                {
                    state.settled = op.version;
                    state.pending.clear();
                    durableCheck = true;
                }
                else
                {
                    state.pending.add(op.version);
                }
            }
            cyclesWithDurableChecks += durableCheck ? 1 : 0;
            nextVersion = child.maxVersion + 1;

            final Child verifier = Child.start(path, 0, 0, dir.resolve("verify-" + cycle + ".log"));
            final Map<String, Long> recovered = verifier.awaitReady();
            verifier.kill();
            for (int k = 0; k < KEYS; k++)
            {
                final String key = key(k);
                final KeyState state = allowed.getOrDefault(key, new KeyState());
                final long got = recovered.get(key);
                if (got != state.settled && !state.pending.contains(got))
                {
                    final StringBuilder history = new StringBuilder();
                    for (final String line : child.lines)
                    {
                        if (line.contains(key + " "))
                        {
                            history.append("\n  ").append(line);
                        }
                    }
                    fail("cycle " + cycle + ": key " + key + " recovered as version " + got + "; allowed " +
                        state.settled + " or one of " + state.pending + "; child output for it (" + child.lines.size() +
                        " lines in all, last: " + child.lines.getLast() + "):" + history);
                }
            }
            assertEquals("0 0 0", verifier.readyCounters(), "cycle " + cycle + ": recovery failures, checksum " +
                "failures, evictions after the crash");
            current.clear();
            current.putAll(recovered);
        }
        assertTrue(cyclesWithDurableChecks >= CYCLES / 4, "too few cycles ran long enough to check durability: " +
            cyclesWithDurableChecks);

        try (RawDiskCache cache = RawDiskCache.open(config(path, CAPACITY)))
        {
            for (int k = 0; k < KEYS; k++)
            {
                final String key = key(k);
                final long version = current.get(key);
                if (version < 0)
                {
                    assertFalse(cache.contains(key));
                    continue;
                }
                final byte[] bytes = Values.bytes(cache.lookup(key));
                Values.assertValue(key, version, size(key, version), bytes);
                assertTrue(cache.remove(key));
            }
            cache.reclaimClosedViews();
            final CacheStats stats = cache.stats();
            assertEquals(0, stats.entries());
            assertEquals(stats.checkpointBlocks(), stats.usedBlocks(), "after removing everything only checkpoint " +
                "blocks are used: no block leaked over " + CYCLES + " crashes");
            assertEquals(cache.superblock().dataBlockCount(), stats.usedBlocks() + stats.freeBlocks());
        }
    }

    /**
     * A running {@link CrashWorkerMain} and what it said.
     */
    private static final class Child
    {
        record Op(String key, long version, boolean done, long atMillis)
        {
        }

        final Process process;
        final Path opsLog;
        final List<Op> ops = new ArrayList<>();
        final Map<String, Long> found = new HashMap<>();
        final List<String> lines = new ArrayList<>();
        final Thread reader;
        volatile String ready;
        volatile String failure;
        long maxVersion;

        private Child(final Process process, final Path opsLog)
        {
            this.process = process;
            this.opsLog = opsLog;
            this.reader = new Thread(this::read, "crash-child-reader");
            reader.setDaemon(true);
            reader.start();
        }

        static Child start(final Path path, final long firstVersion, final long seed, final Path opsLog)
            throws Exception
        {
            final String java = ProcessHandle.current().info().command().orElseThrow();
            final ProcessBuilder builder = new ProcessBuilder(java, "--add-exports",
                "java.base/jdk.internal.misc=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED", "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), CrashWorkerMain.class.getName(), path.toString(),
                String.valueOf(CAPACITY), String.valueOf(KEYS), String.valueOf(firstVersion), String.valueOf(seed),
                opsLog.toString());
            builder.redirectErrorStream(true);
            return new Child(builder.start(), opsLog);
        }

        private void read()
        {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8)))
            {
                String line;
                final java.io.PrintWriter log = System.getProperty("crash.log") == null ? null :
                    new java.io.PrintWriter(new java.io.FileWriter(System.getProperty("crash.log"), true), true);
                while ((line = in.readLine()) != null)
                {
                    if (log != null)
                    {
                        log.println(process.pid() + " " + line);
                    }
                    final String[] parts = line.split(" ");
                    synchronized (this)
                    {
                        switch (parts[0])
                        {
                            case "K" -> found.put(parts[1], Long.parseLong(parts[2]));
                            case "READY" -> ready = parts[2] + " " + parts[3] + " " + parts[4];
                            default -> failure = (failure == null ? "" : failure + "\n") + line;
                        }
                    }
                }
            }
            catch (final java.io.IOException e)
            {
                // the process was killed
            }
            catch (final RuntimeException | Error e)
            {
                failure = "reading the child's output failed: " + e;
            }
        }

        private void readOps() throws java.io.IOException
        {
            if (!java.nio.file.Files.exists(opsLog))
            {
                return;
            }
            for (final String line : java.nio.file.Files.readAllLines(opsLog))
            {
                // "B S key version millis" / "B R key -1 millis" before; "S key version millis" / "R key -1 millis" after.
                final String[] parts = line.split(" ");
                final boolean before = parts[0].equals("B");
                if (parts.length != (before ? 5 : 4))
                {
                    continue;
                }
                lines.add(line);
                final int at = before ? 2 : 1;
                final String key = parts[at];
                final long version = Long.parseLong(parts[at + 1]);
                final long millis = Long.parseLong(parts[at + 2]);
                if (before)
                {
                    ops.add(new Op(key, version, false, millis));
                }
                else
                {
                    final Op begun = ops.removeLast();
                    assertEquals(key, begun.key, "an acknowledgement follows its own operation");
                    assertEquals(version, begun.version, "an acknowledgement follows its own operation");
                    ops.add(new Op(key, version, true, millis));
                }
                maxVersion = Math.max(maxVersion, version);
            }
        }

        Map<String, Long> awaitReady() throws Exception
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (ready == null && System.nanoTime() < deadline && failure == null)
            {
                if (!process.isAlive() && ready == null)
                {
                    reader.join(1000);
                    break;
                }
                Thread.sleep(5);
            }
            assertNull(failure, () -> "child failed: " + failure);
            assertNotNull(ready, "child did not recover within 60 s");
            synchronized (this)
            {
                return new HashMap<>(found);
            }
        }

        String readyCounters()
        {
            return ready;
        }

        void kill() throws Exception
        {
            process.destroyForcibly();
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), "child did not die");
            reader.join(120_000);
            assertFalse(reader.isAlive(), "the child's output was not read to its end");
            assertNull(failure, () -> "child failed: " + failure);
            readOps();
        }
    }
}
