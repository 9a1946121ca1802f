package dev.rawcache;

import dev.rawcache.io.CacheIoException;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Streaming partial hits: a reader opened while a writer is still writing follows it byte-exact to the end of the
 * body, learns of a failed writer by an exception rather than a short body, keeps its bytes across a later overwrite,
 * and the writer's blocks are freed only when the last follower has gone.
 */
class FollowingReaderTest
{
    private static final int CHUNK = 37_000;

    @TempDir
    Path dir;

    private RawDiskCache open(final String name)
    {
        return RawDiskCache.open(CacheConfig.builder(dir.resolve(name)).capacityBytes(32L << 20)
            .journalBytes(1 << 20).build());
    }

    private static byte[] readAll(final EntryReader reader)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteBuffer buffer = ByteBuffer.allocate(10_000);
        int n;
        while ((n = reader.read(buffer.clear())) >= 0)
        {
            out.write(buffer.array(), 0, n);
        }
        return out.toByteArray();
    }

    /** Writes the body in chunks, pausing after each until the test lets it go on. */
    private static CompletableFuture<Void> writeSlowly(final EntryWriter writer, final byte[] body,
                                                       final CountDownLatch firstChunk, final boolean abortAtHalf)
    {
        return CompletableFuture.runAsync(() ->
        {
            try (writer)
            {
                for (int at = 0; at < body.length; at += CHUNK)
                {
                    if (abortAtHalf && at >= body.length / 2)
                    {
                        writer.abort();
                        return;
                    }
                    writer.write(ByteBuffer.wrap(body, at, Math.min(CHUNK, body.length - at)));
                    firstChunk.countDown();
                    Thread.sleep(5);
                }
                writer.commit();
            }
            catch (final InterruptedException e)
            {
                throw new RuntimeException(e);
            }
        });
    }

    @Test
    void shouldFollowAWriterToTheEndOfTheBody() throws Exception
    {
        try (RawDiskCache cache = open("follow.cache"))
        {
            final byte[] body = Values.of("live", 1, 20 * CHUNK + 11);
            final EntryWriter writer = cache.openWriter("live", ByteBuffer.allocate(0), WriteOptions.defaults());
            final CountDownLatch firstChunk = new CountDownLatch(1);
            try (EntryReader early = cache.openReader("live"))
            {
                assertTrue(early.isFollowing());
                assertEquals(-1, early.size(), "the length is not known yet");
                final CompletableFuture<Void> writing = writeSlowly(writer, body, firstChunk, false);
                firstChunk.await(10, TimeUnit.SECONDS);
                try (EntryReader late = cache.openReader("live"))
                {
                    assertTrue(late.isFollowing());
                    Values.assertValue("live", 1, body.length, readAll(late));
                }
                Values.assertValue("live", 1, body.length, readAll(early));
                assertEquals(body.length, early.size(), "known once committed");
                writing.get(30, TimeUnit.SECONDS);
            }
            try (EntryReader after = cache.openReader("live"))
            {
                assertFalse(after.isFollowing(), "after commit a reader reads the entry");
                Values.assertValue("live", 1, body.length, readAll(after));
            }
        }
    }

    @Test
    void shouldTellAFailedWriterFromTheEndOfTheBodyAndFreeItsBlocksAfterTheLastFollower() throws Exception
    {
        try (RawDiskCache cache = open("abort.cache"))
        {
            cache.reclaimClosedViews();
            final long free = cache.stats().freeBlocks();
            final byte[] body = Values.of("doomed", 1, 20 * CHUNK);
            final EntryWriter writer = cache.openWriter("doomed", ByteBuffer.allocate(0),
                WriteOptions.defaults().withDeclaredLength(body.length));
            final CountDownLatch firstChunk = new CountDownLatch(1);
            final EntryReader follower = cache.openReader("doomed");
            assertEquals(body.length, follower.size(), "a declared length is known at once");
            writeSlowly(writer, body, firstChunk, true).get(30, TimeUnit.SECONDS);
            final ByteBuffer buffer = ByteBuffer.allocate(body.length);
            final CacheIoException failed = assertThrows(CacheIoException.class, () ->
            {
                while (follower.read(buffer) >= 0)
                {
                    // keep reading until the failure surfaces
                }
            });
            assertTrue(failed.getMessage().contains("failed"), failed.getMessage());
            assertTrue(buffer.position() >= body.length / 2 - CHUNK, "it got the bytes written before the failure: " +
                buffer.position());
            Values.assertValue("doomed", 1, body.length, concatPrefix(buffer, body));
            assertTrue(cache.stats().freeBlocks() < free, "the follower still holds the writer's blocks");
            follower.close();
            assertEquals(free, cache.stats().freeBlocks(), "freed when the last follower went");
            assertFalse(cache.contains("doomed"));
        }
    }

    private static byte[] concatPrefix(final ByteBuffer got, final byte[] body)
    {
        final byte[] all = body.clone();
        System.arraycopy(got.array(), 0, all, 0, got.position());
        return all;
    }

    @Test
    void shouldKeepAFollowersBytesAcrossAnOverwriteAfterCommit() throws Exception
    {
        try (RawDiskCache cache = open("pinned.cache"))
        {
            final byte[] body = Values.of("k", 1, 6 * CHUNK);
            final EntryWriter writer = cache.openWriter("k", ByteBuffer.allocate(0), WriteOptions.defaults());
            final EntryReader follower = cache.openReader("k");
            writer.write(ByteBuffer.wrap(body, 0, CHUNK));
            writer.write(ByteBuffer.wrap(body, CHUNK, body.length - CHUNK));
            writer.commit();
            cache.store("k", Values.of("k", 2, 1000));
            assertTrue(cache.purge("k"));
            for (int i = 0; i < 40; i++)
            {
                cache.store("fill" + i, Values.of("fill" + i, 1, 500_000));
            }
            Values.assertValue("k", 1, body.length, readAll(follower));
            follower.close();
            assertNull(cache.openReader("k"));
        }
    }

    @Test
    void shouldFollowARefillWhileTheOlderEntryIsStillCached() throws Exception
    {
        try (RawDiskCache cache = open("refill.cache"))
        {
            final byte[] old = Values.of("page", 1, 5 * CHUNK);
            final byte[] fresh = Values.of("page", 2, 9 * CHUNK + 3);
            cache.store("page", ByteBuffer.wrap(old));
            assertNull(cache.openFollower("page"), "no writer: nothing to follow");
            final EntryWriter writer = cache.openWriter("page", ByteBuffer.allocate(0), WriteOptions.defaults());
            final EntryReader own = writer.follow();
            final EntryReader other = cache.openFollower("page");
            try (EntryReader stale = cache.openReader("page"))
            {
                assertFalse(stale.isFollowing(), "openReader still returns the older entry during the refill");
                assertArrayEquals(old, readAll(stale));
            }
            final CountDownLatch firstChunk = new CountDownLatch(1);
            final CompletableFuture<Void> writing = writeSlowly(writer, fresh, firstChunk, false);
            try (own; other)
            {
                assertTrue(own.isFollowing() && other.isFollowing());
                assertArrayEquals(fresh, readAll(own));
                assertArrayEquals(fresh, readAll(other));
            }
            writing.get(30, TimeUnit.SECONDS);
            assertNull(writer.follow(), "a committed writer has nothing left to follow");
            assertNull(cache.openFollower("page"));
            try (EntryReader now = cache.openReader("page"))
            {
                assertArrayEquals(fresh, readAll(now));
            }
        }
    }
}
