package dev.rawcache.io;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Positional reads and writes that loop until the whole buffer is done, never touching a channel's shared
 * position (the way Kafka's {@code Utils.readFullyOrFail} does).
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
                throw new EOFException(String.format(
                    "end of file reading %s: wanted %d bytes at offset %d, got %d", what, expected, position,
                    expected - dst.remaining()));
            }
            offset += read;
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
}
