package dev.rawcache.server;

import dev.rawcache.EntryReader;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;

import java.nio.ByteBuffer;

/**
 * A committed cache entry as a response body: ranges of at least the cache's mapping threshold go out as an
 * {@link EntryFileRegion} ({@code sendfile}), smaller ones are read into a pooled buffer.
 * <p>
 * Not thread-safe.
 */
final class EntryBody implements Body
{
    private final EntryReader reader;
    private final long regionThreshold;
    private final long size;
    private final ServerMetrics metrics;

    /**
     * A body over a reader of a committed entry.
     *
     * @param reader          the reader; closed by {@link #close()}.
     * @param regionThreshold ranges of this many bytes and more are sent with {@code sendfile}.
     * @param metrics         where the bytes of each path are counted.
     */
    EntryBody(final EntryReader reader, final long regionThreshold, final ServerMetrics metrics)
    {
        this.metrics = metrics;
        this.reader = reader;
        this.regionThreshold = regionThreshold;
        this.size = reader.size();
    }

    @Override
    public long size()
    {
        return size;
    }

    @Override
    public void write(final ChannelHandlerContext ctx, final long from, final long to)
    {
        final long length = to - from;
        if (length == 0)
        {
            return;
        }
        if (length >= regionThreshold)
        {
            ctx.write(new EntryFileRegion(reader, from, to));
            metrics.sendfileBytes(length);
            return;
        }
        final ByteBuf buf = ctx.alloc().directBuffer((int)length);
        try
        {
            reader.seek(from, to);
            final ByteBuffer dst = buf.nioBuffer(0, (int)length);
            while (dst.hasRemaining())
            {
                if (reader.read(dst) < 0)
                {
                    throw new IllegalStateException("entry " + reader.key() + " ended at " + reader.position() +
                        " before byte " + to);
                }
            }
            buf.writerIndex((int)length);
        }
        catch (final RuntimeException e)
        {
            buf.release();
            throw e;
        }
        ctx.write(buf);
        metrics.copiedBytes(length);
    }

    /**
     * The reader.
     *
     * @return the reader.
     */
    EntryReader reader()
    {
        return reader;
    }

    @Override
    public void close()
    {
        reader.close();
    }
}
