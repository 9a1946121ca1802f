package dev.rawcache;

import java.nio.ByteBuffer;

/**
 * A streaming store for a proxy's miss path: the body is written chunk by chunk as it arrives from the origin, never
 * held in memory whole, and becomes visible atomically on {@link #commit()}, replacing the key's old entry.
 * <pre>{@code
 * try (EntryWriter writer = cache.openWriter(key, responseHeaders, WriteOptions.defaults()))
 * {
 *     while ((chunk = origin.read()) != null) { writer.write(chunk); }
 *     writer.commit();
 * }   // closing without commit aborts: every block the writer took is freed, nothing partial is visible
 * }</pre>
 * Blocks are taken as the body grows (evicting least recently used entries like a store), and the ones not needed are
 * given back at commit. A process crash before commit leaves nothing behind: the blocks were never journaled.
 * <p>
 * Not thread-safe: one writer serves one request. {@link #close()} is idempotent.
 */
public interface EntryWriter extends AutoCloseable
{
    /**
     * The key being written.
     *
     * @return the key.
     */
    String key();

    /**
     * Appends a chunk of the body; the chunk is consumed (its position moves to its limit).
     *
     * @param chunk the bytes from position to limit.
     * @throws IllegalArgumentException when the body would exceed its declared length or the maximum object size
     *                                  (the chunk is not written; the writer stays open, to abort).
     * @throws IllegalStateException    when the writer is committed, aborted or closed.
     * @throws dev.rawcache.io.CacheIoException {@code NO_SPACE} when no room can be made, {@code IO} when writing
     *                                  fails.
     */
    void write(ByteBuffer chunk);

    /**
     * How many body bytes have been written.
     *
     * @return bytes.
     */
    long written();

    /**
     * Makes the entry visible, replacing the key's old one.
     *
     * @throws IllegalStateException when a declared length was not reached (the writer stays open, to abort), or
     *                               the writer is no longer open.
     */
    void commit();

    /**
     * Gives up: frees every block the writer took. Idempotent; does nothing after commit.
     */
    void abort();

    /**
     * Whether the writer still accepts writes.
     *
     * @return true until commit, abort or close.
     */
    boolean isOpen();

    /**
     * Aborts unless committed. Idempotent.
     */
    @Override
    void close();
}
