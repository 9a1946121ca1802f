package dev.rawcache.server;

import dev.rawcache.io.files.MappedFile;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;

/**
 * A static file as a response body, straight out of its shared mapping: each range goes to the socket as a buffer
 * wrapping the mapped pages, with no copy in the JVM. The handle keeps the mapping alive until {@link #close()},
 * which the response calls once its last write has completed.
 * <p>
 * Not thread-safe.
 */
final class MappedFileBody implements Body
{
    private static final int MAX_SLICE = 1 << 30;

    private final MappedFile file;

    /**
     * A body over a mapped file handle.
     *
     * @param file the handle; closed by {@link #close()}.
     */
    MappedFileBody(final MappedFile file)
    {
        this.file = file;
    }

    @Override
    public long size()
    {
        return file.size();
    }

    @Override
    public void write(final ChannelHandlerContext ctx, final long from, final long to)
    {
        for (long at = from; at < to; at += MAX_SLICE)
        {
            final int length = (int)Math.min(MAX_SLICE, to - at);
            ctx.write(Unpooled.wrappedBuffer(file.slice(at, length)));
        }
    }

    @Override
    public void close()
    {
        file.close();
    }
}
