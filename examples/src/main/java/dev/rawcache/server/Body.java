package dev.rawcache.server;

import io.netty.channel.ChannelHandlerContext;

/**
 * The bytes of a response body that can be sent in ranges: a cache entry or a mapped static file. A body is used by
 * one response at a time on its channel's event loop, and closed once the last write it queued has completed.
 * <p>
 * Not thread-safe.
 */
interface Body extends AutoCloseable
{
    /**
     * The whole body's length.
     *
     * @return bytes.
     */
    long size();

    /**
     * Queues the bytes {@code [from, to)} on the channel, without flushing: as a buffer or as a {@code FileRegion}.
     *
     * @param ctx  the channel's context.
     * @param from the first byte.
     * @param to   one past the last byte.
     */
    void write(ChannelHandlerContext ctx, long from, long to);

    /**
     * Releases what the body holds (its pin on the entry, its mapping). Idempotent.
     */
    @Override
    void close();
}
