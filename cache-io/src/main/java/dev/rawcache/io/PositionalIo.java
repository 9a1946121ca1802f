package dev.rawcache.io;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;

/**
 * Positional reads and writes that loop until the whole buffer is done, never touching a channel's shared
 * position (the way Kafka's {@code Utils.readFullyOrFail} does).
 * <p>
 * The {@link ChannelHolder} forms survive a channel closed by another thread's interrupt: they reopen it and carry on
 * from where the buffer got to. The thread that was itself interrupted gets its
 * {@link ClosedByInterruptException} after the channel has been reopened for the others.
 * <p>
 * Stateless and thread-safe; concurrent calls on one channel at different positions are safe.
 */
public final class PositionalIo
{
    private PositionalIo()
    {
    }

    /**
     * Reads {@code dst.remaining()} bytes from {@code channel} at {@code position}.
     *
     * @param channel  the channel to read.
     * @param dst      the buffer to fill from its position to its limit.
     * @param position the file offset of the first byte.
     * @param what     what is being read, for the error message.
     * @throws EOFException when the file ends before the buffer is full, naming what, where and how much.
     * @throws IOException  when the read fails.
     */
    public static void readFully(final FileChannel channel, final ByteBuffer dst, final long position, final String what)
        throws IOException
    {
        final int expected = dst.remaining();
        long offset = position;
        while (dst.hasRemaining())
        {
            final int read = channel.read(dst, offset);
            if (read < 0)
            {
                throw endOfFile(what, expected, position, dst);
            }
            offset += read;
        }
    }

    /**
     * Reads {@code dst.remaining()} bytes at {@code position} through a holder that reopens a channel closed by an
     * interrupt.
     *
     * @param holder   the channel's holder.
     * @param dst      the buffer to fill from its position to its limit.
     * @param position the file offset of the first byte.
     * @param what     what is being read, for the error message.
     * @throws EOFException when the file ends before the buffer is full.
     * @throws IOException  when the read fails, or this thread was interrupted.
     */
    public static void readFully(final ChannelHolder holder, final ByteBuffer dst, final long position,
                                 final String what) throws IOException
    {
        final int expected = dst.remaining();
        while (dst.hasRemaining())
        {
            final FileChannel channel = holder.channel();
            final int read;
            try
            {
                read = channel.read(dst, position + expected - dst.remaining());
            }
            catch (final ClosedChannelException e)
            {
                recover(holder, channel, e);
                continue;
            }
            if (read < 0)
            {
                throw endOfFile(what, expected, position, dst);
            }
        }
    }

    /**
     * Writes {@code src.remaining()} bytes to {@code channel} at {@code position}.
     *
     * @param channel  the channel to write.
     * @param src      the bytes to write, from position to limit.
     * @param position the file offset of the first byte.
     * @throws IOException when the write fails.
     */
    public static void writeFully(final FileChannel channel, final ByteBuffer src, final long position)
        throws IOException
    {
        long offset = position;
        while (src.hasRemaining())
        {
            offset += channel.write(src, offset);
        }
    }

    /**
     * Writes {@code src.remaining()} bytes at {@code position} through a holder that reopens a channel closed by an
     * interrupt.
     *
     * @param holder   the channel's holder.
     * @param src      the bytes to write, from position to limit.
     * @param position the file offset of the first byte.
     * @throws IOException when the write fails, or this thread was interrupted.
     */
    public static void writeFully(final ChannelHolder holder, final ByteBuffer src, final long position)
        throws IOException
    {
        final int expected = src.remaining();
        while (src.hasRemaining())
        {
            final FileChannel channel = holder.channel();
            try
            {
                channel.write(src, position + expected - src.remaining());
            }
            catch (final ClosedChannelException e)
            {
                recover(holder, channel, e);
            }
        }
    }

    /**
     * Handles a channel found closed: reopens it through the holder, then rethrows for the interrupted thread itself
     * or when the holder was closed on purpose, and returns (to retry) otherwise.
     *
     * @param holder  the channel's holder.
     * @param channel the channel that was found closed.
     * @param e       how it was found closed.
     * @throws IOException {@code e} when the caller must not retry.
     */
    public static void recover(final ChannelHolder holder, final FileChannel channel, final ClosedChannelException e)
        throws IOException
    {
        final boolean reopened = holder.reopen(channel, e);
        if (!reopened || e instanceof ClosedByInterruptException || Thread.currentThread().isInterrupted())
        {
            throw e;
        }
    }

    private static EOFException endOfFile(final String what, final int expected, final long position,
                                          final ByteBuffer dst)
    {
        return new EOFException(String.format("end of file reading %s: wanted %d bytes at offset %d, got %d", what,
            expected, position, expected - dst.remaining()));
    }
}
