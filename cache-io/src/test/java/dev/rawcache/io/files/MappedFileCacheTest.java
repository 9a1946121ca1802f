package dev.rawcache.io.files;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static dev.rawcache.io.files.FileFixtures.assertContent;
import static dev.rawcache.io.files.FileFixtures.readAll;
import static dev.rawcache.io.files.FileFixtures.replace;
import static dev.rawcache.io.files.FileFixtures.write;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The cache: one mapping per file version however many requests share it, a bound on idle mappings that never
 * touches mappings in use, new versions seen at once while old handles keep their bytes, and no access to unmapped
 * memory.
 */
class MappedFileCacheTest
{
    private static final int THREADS = 32;

    @TempDir
    Path root;

    @Test
    void shouldShareOneMappingAcrossConcurrentAcquires() throws Exception
    {
        final int rounds = 20;
        final ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try (MappedFileCache cache = new MappedFileCache(root, 4, AccessHint.NORMAL))
        {
            for (int round = 0; round < rounds; round++)
            {
                final String name = "burst/file-" + round + ".bin";
                final byte[] expected = write(root, name, 1, 256 * 1024 + round);
                final CyclicBarrier start = new CyclicBarrier(THREADS);
                final CyclicBarrier allHolding = new CyclicBarrier(THREADS);
                final List<Future<byte[]>> reads = new ArrayList<>();
                for (int t = 0; t < THREADS; t++)
                {
                    reads.add(pool.submit(() ->
                    {
                        start.await(10, TimeUnit.SECONDS);
                        try (MappedFile file = cache.acquire(name))
                        {
                            allHolding.await(10, TimeUnit.SECONDS);
                            assertArrayEquals(FileFixtures.readSegment(file), readAll(file));
                            return readAll(file);
                        }
                    }));
                }
                for (final Future<byte[]> read : reads)
                {
                    assertArrayEquals(expected, read.get(30, TimeUnit.SECONDS));
                }
                assertEquals(round + 1, cache.mapsCreated(), "one map per burst, round " + round);
                assertEquals((long)(round + 1) * (THREADS - 1), cache.mapsShared());
            }
            assertEquals(4, cache.mappedFiles());
            assertEquals(rounds - 4, cache.unmaps());
        }
        finally
        {
            pool.shutdownNow();
        }
    }

    @Test
    void shouldKeepAtMostMaxMappedFilesWhenIdle() throws Exception
    {
        final byte[][] contents = new byte[5][];
        for (int i = 0; i < 5; i++)
        {
            contents[i] = write(root, "f" + i, 1, 10_000 + i);
        }
        try (MappedFileCache cache = new MappedFileCache(root, 2, AccessHint.NORMAL))
        {
            for (int i = 0; i < 5; i++)
            {
                try (MappedFile file = cache.acquire("f" + i))
                {
                    assertContent(contents[i], file);
                }
                assertTrue(cache.mappedFiles() <= 2, "mapped " + cache.mappedFiles() + " after file " + i);
            }
            assertEquals(2, cache.mappedFiles());
            assertEquals(5, cache.mapsCreated());
            assertEquals(3, cache.unmaps());

            try (MappedFile file = cache.acquire("f4"))
            {
                assertContent(contents[4], file);
            }
            assertEquals(5, cache.mapsCreated(), "the most recent file is still mapped");
            assertEquals(1, cache.mapsShared());
        }
    }

    @Test
    void shouldEvictTheLeastRecentlyUsedIdleMapping() throws Exception
    {
        for (final String name : List.of("a", "b", "c"))
        {
            write(root, name, 1, 5000);
        }
        try (MappedFileCache cache = new MappedFileCache(root, 2, AccessHint.NORMAL))
        {
            cache.acquire("a").close();
            cache.acquire("b").close();
            cache.acquire("a").close();
            assertEquals(2, cache.mapsCreated());
            cache.acquire("c").close();
            assertEquals(3, cache.mapsCreated());

            cache.acquire("a").close();
            assertEquals(3, cache.mapsCreated(), "a was used more recently than b and stays mapped");
            cache.acquire("b").close();
            assertEquals(4, cache.mapsCreated(), "b was evicted");
        }
    }

    @Test
    void shouldNeverUnmapMappingsInUseAndUnmapTheExcessOnItsLastRelease() throws Exception
    {
        final byte[] a = write(root, "a", 1, 9000);
        final byte[] b = write(root, "b", 1, 9001);
        final byte[] c = write(root, "c", 1, 9002);
        try (MappedFileCache cache = new MappedFileCache(root, 2, AccessHint.NORMAL);
             MappedFile fa = cache.acquire("a");
             MappedFile fb = cache.acquire("b"))
        {
            final MappedFile fc = cache.acquire("c");
            assertEquals(3, cache.mappedFiles(), "all three are in use, so the bound is exceeded");
            assertContent(a, fa);
            assertContent(b, fb);
            assertContent(c, fc);
            final MemorySegment taken = fc.segment();
            final ByteBuffer slice = fc.slice(100, 50);

            fc.close();
            assertEquals(2, cache.mappedFiles(), "the excess mapping goes with its last handle");
            assertEquals(1, cache.unmaps());
            assertThrows(IllegalStateException.class, fc::segment);
            assertThrows(IllegalStateException.class, () -> taken.get(ValueLayout.JAVA_BYTE, 0));
            assertThrows(IllegalStateException.class, () -> slice.get(0));
            assertContent(a, fa);
            assertContent(b, fb);
        }
    }

    @Test
    void shouldFailLoudlyWhenAHandleIsUsedAfterClose() throws Exception
    {
        write(root, "x/y.bin", 1, 4096 * 3);
        try (MappedFileCache cache = new MappedFileCache(root, 4, AccessHint.NORMAL))
        {
            final MappedFile file = cache.acquire("x/y.bin");
            final long size = file.size();
            final String key = file.fileKey();
            file.close();
            file.close();
            assertFalse(file.isOpen());
            final IllegalStateException e = assertThrows(IllegalStateException.class, file::segment);
            assertTrue(e.getMessage().contains("'x/y.bin'"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> file.slice(0, 1));
            assertThrows(IllegalStateException.class, () -> file.copyTo(0, ByteBuffer.allocate(1)));
            assertThrows(IllegalStateException.class, () -> file.advise(AccessHint.RANDOM, 0, 1));
            assertThrows(IllegalStateException.class,
                () -> file.transferTo(0, 1, Channels.newChannel(new ByteArrayOutputStream())));
            assertEquals(size, file.size());
            assertEquals(key, file.fileKey());
            assertEquals("x/y.bin", file.relativePath());
        }
    }

    @Test
    void shouldInvalidateSegmentsAndBuffersOnceTheMappingIsUnmapped() throws Exception
    {
        final byte[] expected = write(root, "gone.bin", 1, 70_000);
        final MemorySegment segment;
        final ByteBuffer buffer;
        try (MappedFileCache cache = new MappedFileCache(root, 1, AccessHint.NORMAL))
        {
            try (MappedFile file = cache.acquire("gone.bin"))
            {
                segment = file.segment();
                buffer = file.slice(65_536, 100);
            }
            // Idle but still mapped: the stale views show this file's own bytes, nothing else.
            assertEquals(expected[5], segment.get(ValueLayout.JAVA_BYTE, 5));
            assertEquals(expected[65_536], buffer.get(0));
            if (FileFixtures.hasProcMaps())
            {
                assertTrue(FileFixtures.isMappedInProcess(root.resolve("gone.bin")));
            }
        }
        assertThrows(IllegalStateException.class, () -> segment.get(ValueLayout.JAVA_BYTE, 5));
        assertThrows(IllegalStateException.class, () -> buffer.get(0));
        if (FileFixtures.hasProcMaps())
        {
            assertFalse(FileFixtures.isMappedInProcess(root.resolve("gone.bin")), "unmapped at cache close");
        }
    }

    @Test
    void shouldMapANewVersionWhileOldHandlesKeepTheOldBytes() throws Exception
    {
        final byte[] v1 = write(root, "doc/page.html", 1, 50_000);
        try (MappedFileCache cache = new MappedFileCache(root, 8, AccessHint.NORMAL))
        {
            final MappedFile old = cache.acquire("doc/page.html");
            assertContent(v1, old);
            final String oldKey = old.fileKey();

            final byte[] v2 = replace(root, "doc/page.html", 2, 61_234);
            try (MappedFile fresh = cache.acquire("doc/page.html"))
            {
                assertContent(v2, fresh);
                assertNotEquals(oldKey, fresh.fileKey());
                assertContent(v1, old);
                assertEquals(2, cache.mapsCreated());
                assertEquals(2, cache.mappedFiles());
            }
            try (MappedFile again = cache.acquire("doc/page.html"))
            {
                assertContent(v2, again);
                assertEquals(2, cache.mapsCreated(), "the new version is shared");
            }
            assertContent(v1, old);
            old.close();
            assertEquals(1, cache.mappedFiles(), "the old version goes with its last handle");
            assertEquals(1, cache.unmaps());

            // Same size, new content: the rename gives a new inode, which is enough to notice.
            final byte[] v3 = replace(root, "doc/page.html", 3, 61_234);
            try (MappedFile third = cache.acquire("doc/page.html"))
            {
                assertContent(v3, third);
            }
            assertEquals(3, cache.mapsCreated());
            assertEquals(1, cache.mappedFiles(), "the idle old version is unmapped when the new one is mapped");
        }
    }

    @Test
    void shouldDeferTheUnmapWhileAStaleBufferIsInsideAnIoCall() throws Exception
    {
        final int length = 3 * 1024 * 1024;
        final byte[] expected = write(root, "big.bin", 1, length);
        final MappedFileCache cache = new MappedFileCache(root, 1, AccessHint.NORMAL);
        try (ServerSocketChannel server = ServerSocketChannel.open())
        {
            server.setOption(StandardSocketOptions.SO_RCVBUF, 16 * 1024);
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            final MappedFile file = cache.acquire("big.bin");
            final ByteBuffer stale = file.slice(0, length);
            try (SocketChannel client = SocketChannel.open())
            {
                client.setOption(StandardSocketOptions.SO_SNDBUF, 16 * 1024);
                client.connect(server.getLocalAddress());
                try (SocketChannel peer = server.accept())
                {
                    // A platform thread blocks inside write(2) with the mapping's arena held by the JDK.
                    final CompletableFuture<Integer> written = new CompletableFuture<>();
                    final Thread writer = Thread.ofPlatform().start(() ->
                    {
                        try
                        {
                            written.complete(client.write(stale));
                        }
                        catch (final Throwable t)
                        {
                            written.completeExceptionally(t);
                        }
                    });
                    final ByteBuffer received = ByteBuffer.allocate(length);
                    while (received.position() == 0)
                    {
                        peer.read(received);
                    }
                    assertFalse(written.isDone(), "3 MiB cannot fit in the socket buffers");

                    // Misuse: the handle is closed while its buffer is still being written.
                    file.close();
                    cache.close();
                    assertEquals(1, cache.mappedFiles(), "the arena is held by the write: the unmap waits");
                    assertEquals(0, cache.unmaps());

                    while (received.hasRemaining())
                    {
                        assertTrue(peer.read(received) >= 0);
                    }
                    assertEquals(length, written.get(30, TimeUnit.SECONDS));
                    writer.join();
                    assertArrayEquals(expected, received.array());
                }
            }
        }
        cache.close();
        assertEquals(0, cache.mappedFiles(), "a second close reclaims the deferred unmap");
        assertEquals(1, cache.unmaps());
        if (FileFixtures.hasProcMaps())
        {
            assertFalse(FileFixtures.isMappedInProcess(root.resolve("big.bin")));
        }
    }

    @Test
    void shouldServeEmptyFilesWithoutMapping() throws Exception
    {
        Files.createFile(root.resolve("empty"));
        try (MappedFileCache cache = new MappedFileCache(root, 2, AccessHint.SEQUENTIAL);
             MappedFile file = cache.acquire("empty"))
        {
            assertEquals(0, file.size());
            assertEquals(0, file.segment().byteSize());
            assertEquals(0, file.slice(0, 0).remaining());
            assertTrue(file.slice(0, 0).isReadOnly());
            assertEquals(0, file.copyTo(0, ByteBuffer.allocate(8)));
            assertEquals(0, file.transferTo(0, 100, Channels.newChannel(new ByteArrayOutputStream())));
            assertFalse(file.advise(AccessHint.WILL_NEED, 0, 0));
            assertFalse(file.fileKey().isEmpty());
            assertThrows(IllegalArgumentException.class, () -> file.slice(0, 1));
            assertEquals(0, cache.mapsCreated());
            assertEquals(0, cache.mappedFiles());
        }
    }

    @Test
    void shouldRefuseAcquiresAfterCloseAndUnmapHeldMappingsWithTheirLastHandle() throws Exception
    {
        final byte[] a = write(root, "a", 1, 20_000);
        write(root, "b", 1, 20_000);
        final MappedFileCache cache = new MappedFileCache(root, 4, AccessHint.NORMAL);
        cache.acquire("b").close();
        final MappedFile held = cache.acquire("a");
        assertEquals(2, cache.mappedFiles());

        cache.close();
        cache.close();
        assertEquals(1, cache.mappedFiles(), "the idle mapping is unmapped at close");
        assertThrows(IllegalStateException.class, () -> cache.acquire("a"));
        assertContent(a, held);

        held.close();
        assertEquals(0, cache.mappedFiles());
        assertEquals(2, cache.unmaps());
    }

    @Test
    void shouldShareOneMappingBetweenPathsThatResolveToTheSameFile() throws Exception
    {
        final byte[] bytes = write(root, "real/data.bin", 1, 12_345);
        Files.createSymbolicLink(root.resolve("alias.bin"), Path.of("real/data.bin"));
        try (MappedFileCache cache = new MappedFileCache(root, 4, AccessHint.NORMAL);
             MappedFile direct = cache.acquire("real/data.bin");
             MappedFile aliased = cache.acquire("alias.bin"))
        {
            assertContent(bytes, direct);
            assertContent(bytes, aliased);
            assertEquals("alias.bin", aliased.relativePath());
            assertEquals(direct.fileKey(), aliased.fileKey());
            assertEquals(1, cache.mapsCreated());
        }
    }

    @ParameterizedTest
    @EnumSource(AccessHint.class)
    void shouldMapWithEveryDefaultHint(final AccessHint hint) throws Exception
    {
        final byte[] bytes = write(root, "hinted.bin", 1, 3 * 1024 * 1024 + 17);
        try (MappedFileCache cache = new MappedFileCache(root, 1, hint);
             MappedFile file = cache.acquire("hinted.bin"))
        {
            assertContent(bytes, file);
        }
    }

    @Test
    void shouldStayConsistentUnderConcurrentAcquiresOfManyFiles() throws Exception
    {
        final int files = 10;
        final byte[][] v1 = new byte[files][];
        for (int i = 0; i < files; i++)
        {
            v1[i] = write(root, "m/" + i, 1, 8192 + 977 * i);
        }
        final int threads = 16;
        final int iterations = 2000;
        final ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (MappedFileCache cache = new MappedFileCache(root, 3, AccessHint.RANDOM))
        {
            final CyclicBarrier start = new CyclicBarrier(threads);
            final List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++)
            {
                results.add(pool.submit(() ->
                {
                    start.await(10, TimeUnit.SECONDS);
                    final ThreadLocalRandom random = ThreadLocalRandom.current();
                    final List<MappedFile> held = new ArrayList<>();
                    int checked = 0;
                    for (int i = 0; i < iterations; i++)
                    {
                        final int f = random.nextInt(files);
                        final MappedFile file = cache.acquire("m/" + f);
                        final int offset = random.nextInt(v1[f].length);
                        assertEquals(v1[f][offset], file.segment().get(ValueLayout.JAVA_BYTE, offset));
                        final ByteBuffer dst = ByteBuffer.allocate(64);
                        final int n = file.copyTo(offset, dst);
                        for (int j = 0; j < n; j++)
                        {
                            assertEquals(v1[f][offset + j], dst.get(j));
                        }
                        checked++;
                        held.add(file);
                        if (held.size() > 2 || random.nextBoolean())
                        {
                            held.remove(random.nextInt(held.size())).close();
                        }
                    }
                    held.forEach(MappedFile::close);
                    return checked;
                }));
            }
            for (final Future<Integer> result : results)
            {
                assertEquals(iterations, result.get(60, TimeUnit.SECONDS));
            }
            assertTrue(cache.mappedFiles() <= 3, "mapped " + cache.mappedFiles());
            assertEquals(cache.mapsCreated() - cache.unmaps(), cache.mappedFiles());
            assertEquals((long)threads * iterations, cache.mapsCreated() + cache.mapsShared());
        }
        finally
        {
            pool.shutdownNow();
        }
    }

    @Test
    void shouldRejectBadConstructorArguments() throws Exception
    {
        final IllegalArgumentException bound = assertThrows(IllegalArgumentException.class,
            () -> new MappedFileCache(root, 0, AccessHint.NORMAL));
        assertTrue(bound.getMessage().contains("0"), bound.getMessage());
        final Path file = Files.createFile(root.resolve("plain"));
        assertThrows(IllegalArgumentException.class, () -> new MappedFileCache(file, 1, AccessHint.NORMAL));
        assertThrows(IllegalArgumentException.class,
            () -> new MappedFileCache(root.resolve("missing"), 1, AccessHint.NORMAL));
        assertThrows(NullPointerException.class, () -> new MappedFileCache(root, 1, null));
    }

    @Test
    void shouldFollowARootGivenThroughASymbolicLink() throws Exception
    {
        final Path real = Files.createDirectory(root.resolve("real-root"));
        final byte[] bytes = write(real, "f.txt", 1, 333);
        final Path link = Files.createSymbolicLink(root.resolve("root-link"), real);
        try (MappedFileCache cache = new MappedFileCache(link, 1, AccessHint.NORMAL);
             MappedFile file = cache.acquire("f.txt"))
        {
            assertEquals(link, cache.root());
            assertContent(bytes, file);
        }
    }

    @Test
    void shouldPassHintsToTheKernelOnLinux()
    {
        assumeTrue(FileFixtures.hasProcMaps(), "needs /proc/self/maps");
        assertTrue(MappedFileCache.hintsAvailable(), "madvise is linked on Linux");
    }
}
