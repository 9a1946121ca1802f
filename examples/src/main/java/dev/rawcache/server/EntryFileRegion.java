package dev.rawcache.server;

import dev.rawcache.EntryReader;
import io.netty.channel.FileRegion;
import io.netty.util.AbstractReferenceCounted;

import java.io.IOException;
import java.nio.channels.WritableByteChannel;

/**
 * A range of a cache entry as a Netty {@link FileRegion}: Netty's NIO transport hands it the socket's own
 * {@code SocketChannel}, and {@link EntryReader#transferTo} sends it with {@code sendfile} from the cache file. The
 * reader is shared by the ranges of one response and closed by the response, not by the region.
 * <p>
 * Not thread-safe: used on its channel's event loop.
 */
final class EntryFileRegion extends AbstractReferenceCounted implements FileRegion
{
    private final EntryReader reader;
    private final long from;
    private final long count;
    private long transferred;

    /**
     * A region of {@code [from, to)} of the reader's entry.
     *
     * @param reader the reader.
     * @param from   the first byte.
     * @param to     one past the last byte.
     */
    EntryFileRegion(final EntryReader reader, final long from, final long to)
    {
        this.reader = reader;
        this.from = from;
        this.count = to - from;
    }

    @Override
    public long position()
    {
        return from;
    }

    @Override
    @Deprecated
    public long transfered()
    {
        return transferred;
    }

    @Override
    public long transferred()
    {
        return transferred;
    }

    @Override
    public long count()
    {
        return count;
    }

    @Override
    public long transferTo(final WritableByteChannel target, final long position) throws IOException
    {
        if (position >= count)
        {
            return 0;
        }
        // Ranges of one reader go out one after another: select ours again in case another range moved the reader.
        reader.seek(from + position, from + count);
        final long sent;
        try
        {
            sent = reader.transferTo(target);
        }
        catch (final RuntimeException e)
        {
            throw new IOException("sending bytes " + (from + position) + ".." + (from + count - 1) + " of " +
                reader.key() + " failed: " + e.getMessage(), e);
        }
        transferred += sent;
        return sent;
    }

    @Override
    public FileRegion retain()
    {
        super.retain();
        return this;
    }

    @Override
    public FileRegion retain(final int increment)
    {
        super.retain(increment);
        return this;
    }

    @Override
    public FileRegion touch()
    {
        return this;
    }

    @Override
    public FileRegion touch(final Object hint)
    {
        return this;
    }

    @Override
    protected void deallocate()
    {
        // The response closes the reader once its last write completes.
    }
}
