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
     * @throws IllegalStateException when a declared length was not reached, a range is not full, or its receipt is
     *                               missing (the writer stays open, to abort), or the writer is no longer open.
     */
    void commit();

    /**
     * Commits a body written in ranges, given every range's receipt.
     *
     * @param receipts the receipts of all ranges handed out.
     * @throws IllegalStateException as {@link #commit()}, naming what is missing.
     */
    void commit(WriteReceipt... receipts);

    /**
     * Opens a reader that follows this writer's body as it is written (see {@link EntryReader#isFollowing()}): for a
     * proxy's filler to serve its own client, and the way to follow a refill while an older entry of the key is still
     * in the cache (where {@link RawDiskCache#openReader(String)} returns the older entry).
     *
     * @return the reader, to close after use; or null when the writer has committed, aborted or failed.
     */
    EntryReader follow();

    /**
     * How many readers follow this writer now (see {@link EntryReader#isFollowing()}).
     *
     * @return the follower count.
     */
    int followers();

    /**
     * Aborts only if no reader follows the writer: for a proxy whose requester went away, so that a body nobody
     * waits for is not fetched to the end, while one that readers follow is. Atomic with respect to new followers.
     *
     * @return true when the writer was aborted.
     */
    boolean abortIfUnfollowed();

    /**
     * Hands out the next byte range of a body of declared length, for filling in parallel with other ranges (the
     * way ranged-mmap writers fill a large object from several connections). Ranges follow each other, so they never
     * overlap; together they must cover the declared length before {@link #commit()}, and each must be filled
     * completely and its {@link WriteRange#receipt()} passed to commit (via {@link #flushRange(WriteReceipt)} or not).
     * A writer either uses ranges or {@link #write(ByteBuffer)}, not both.
     *
     * @param length the range's length, at least 1, at most what is left of the declared length.
     * @return the range.
     * @throws IllegalStateException    when the writer has no declared length, has been written sequentially, or
     *                                  is no longer open.
     * @throws IllegalArgumentException when the range would run past the declared length.
     */
    WriteRange allocateRange(long length);

    /**
     * Makes a filled range durable ({@code fdatasync}) and records its receipt.
     *
     * @param receipt the range's receipt.
     * @throws IllegalArgumentException when the receipt is not one of this writer's.
     * @throws dev.rawcache.io.CacheIoException with reason {@code IO} when the sync fails.
     */
    void flushRange(WriteReceipt receipt);

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
