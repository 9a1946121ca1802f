package dev.rawcache;

import dev.rawcache.io.CacheIoException;
import dev.rawcache.io.Checks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A streaming read of one cached value, for a proxy's hit path: the whole value or byte ranges of it, read into
 * buffers or sent to a socket by {@code sendfile}, one range after another (the pieces of a
 * {@code multipart/byteranges} response).
 * <pre>{@code
 * try (EntryReader reader = cache.openReader(key))
 * {
 *     if (reader == null) { ... miss ... }
 *     reader.seek(1000, 2000);            // bytes 1000..1999
 *     reader.transferTo(socketChannel);   // sendfile
 * }
 * }</pre>
 * The reader pins its entry: the bytes stay valid until {@link #close()}, even if the key is overwritten, removed or
 * evicted meanwhile. Reads are positional and touch only the blocks of the range read, however large the value.
 * <p>
 * Not thread-safe: one reader serves one request. {@link #close()} is idempotent.
 */
public final class EntryReader implements AutoCloseable
{
    /**
     * How a reader reaches its entry's bytes; implemented by the cache.
     */
    interface Source
    {
        void read(long valueOffset, ByteBuffer dst) throws IOException;

        long transferTo(long valueOffset, long length, WritableByteChannel target) throws IOException;

        ByteBuffer metadata() throws IOException;

        Freshness freshness();

        /**
         * Bytes readable from {@code position} now, waiting for a writer still writing if there are none yet.
         *
         * @return more than 0; or 0 at the end of the body.
         */
        long awaitAvailable(long position);

        /**
         * The body's length.
         *
         * @return bytes, or -1 while a writer still writing has not declared it.
         */
        long size();

        RuntimeException failure(String what, IOException e);

        void release();
    }

    private final String key;
    private final Source source;
    private final AtomicBoolean closed = new AtomicBoolean();
    private long position;
    private long end;
    private ByteBuffer metadata;
    private boolean following;

    EntryReader(final String key, final Source source)
    {
        this.key = key;
        this.source = source;
        final long size = source.size();
        this.end = size < 0 ? Long.MAX_VALUE : size;
    }

    /**
     * The key.
     *
     * @return the key read.
     */
    public String key()
    {
        return key;
    }

    /**
     * The entry's metadata (such as the stored response headers), read from its header on first call. Entries
     * stored without metadata have none.
     *
     * @return a read-only buffer, empty when there is no metadata.
     * @throws CacheIoException with reason {@code IO} when the read fails.
     */
    public ByteBuffer metadata()
    {
        ensureOpen();
        if (metadata == null)
        {
            try
            {
                metadata = source.metadata();
            }
            catch (final IOException e)
            {
                throw source.failure("metadata read of key " + key, e);
            }
        }
        return metadata.duplicate();
    }

    /**
     * How long the entry may be served, and in which way (fresh, stale while revalidating, stale if the origin
     * fails); for a reader following a writer, what the writer will commit with if it commits now.
     *
     * @return the freshness.
     */
    public Freshness freshness()
    {
        return source.freshness();
    }

    /**
     * The whole value's length.
     *
     * @return bytes; -1 while the value is still being written by a writer that did not declare its length.
     */
    public long size()
    {
        return source.size();
    }

    /**
     * Whether this reader follows a writer that was still writing when it opened (a streaming partial hit): reads
     * then wait for bytes as they land, return -1 at the end of the body once the writer commits, and, if the writer
     * fails or aborts instead, serve the bytes it wrote and then throw a {@link CacheIoException}.
     *
     * @return true for a following reader.
     */
    public boolean isFollowing()
    {
        return following;
    }

    /**
     * Selects the range {@code [start, endExclusive)} and moves to its start; reads and transfers then stop at its
     * end. A new reader has the whole value selected.
     *
     * @param start        the first byte, from 0 to {@link #size()}.
     * @param endExclusive one past the last byte, from {@code start} to {@link #size()}.
     * @return this reader.
     * @throws IllegalArgumentException when the range is negative, reversed or runs past the value.
     */
    public EntryReader seek(final long start, final long endExclusive)
    {
        ensureOpen();
        final long size = source.size();
        final long limit = size < 0 ? Long.MAX_VALUE : size;
        Checks.requireArgument(start >= 0 && start <= endExclusive && endExclusive <= limit,
            "range [%d, %d) of key %s must satisfy 0 <= start <= end <= size %d", start, endExclusive, key, size);
        this.position = start;
        this.end = endExclusive;
        return this;
    }

    /**
     * Where the next read starts, as an offset into the value.
     *
     * @return the position.
     */
    public long position()
    {
        return position;
    }

    /**
     * Bytes left in the selected range.
     *
     * @return bytes.
     */
    public long remaining()
    {
        return end - position;
    }

    /**
     * Reads the next bytes of the range into {@code dst}, as many as fit.
     *
     * @param dst the buffer to fill from its position.
     * @return the bytes read, or -1 at the end of the range.
     * @throws CacheIoException with reason {@code IO} when the read fails.
     */
    public int read(final ByteBuffer dst)
    {
        ensureOpen();
        if (position >= end)
        {
            return -1;
        }
        final long available = source.awaitAvailable(position);
        if (available == 0)
        {
            return -1;
        }
        final int n = (int)Math.min(Math.min(dst.remaining(), end - position), available);
        final int savedLimit = dst.limit();
        dst.limit(dst.position() + n);
        try
        {
            source.read(position, dst);
        }
        catch (final IOException e)
        {
            throw source.failure("read of key " + key, e);
        }
        finally
        {
            dst.limit(savedLimit);
        }
        position += n;
        return n;
    }

    /**
     * Sends the rest of the range to a channel; a socket gets it by {@code sendfile}.
     *
     * @param out the channel; the JDK's own, not a wrapper, to get {@code sendfile}.
     * @return the bytes sent: the rest of the range (for a following reader, up to the end of the body once the
     * writer commits), or fewer when the channel would take no more (call again).
     * @throws CacheIoException with reason {@code IO} when the transfer fails.
     */
    public long transferTo(final WritableByteChannel out)
    {
        ensureOpen();
        Checks.requireArgument(out != null, "target channel for key %s must not be null", key);
        long total = 0;
        try
        {
            while (position < end)
            {
                final long available = source.awaitAvailable(position);
                if (available == 0)
                {
                    break;
                }
                final long n = Math.min(end - position, available);
                final long sent = source.transferTo(position, n, out);
                position += sent;
                total += sent;
                if (sent < n)
                {
                    break;
                }
            }
            return total;
        }
        catch (final IOException e)
        {
            throw source.failure("transfer of key " + key, e);
        }
    }

    EntryReader following()
    {
        following = true;
        return this;
    }

    /**
     * Unpins the entry. Idempotent.
     */
    @Override
    public void close()
    {
        if (closed.compareAndSet(false, true))
        {
            source.release();
        }
    }

    private void ensureOpen()
    {
        Checks.requireState(!closed.get(), "reader of key %s is closed", key);
    }
}
