package dev.rawcache.io.transfer;

import dev.rawcache.io.ChannelHolder;
import dev.rawcache.io.PositionalIo;

import java.io.EOFException;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.NetworkChannel;
import java.nio.channels.WritableByteChannel;

/**
 * The one place that calls {@link FileChannel#transferTo(long, long, WritableByteChannel)}: it loops over partial
 * transfers until the count is sent, so a socket target takes the kernel's {@code sendfile} path for every byte
 * (the way Kafka's {@code FileRecords.writeTo} does).
 * <p>
 * Pass the JDK's own channel (a {@code SocketChannel}, a {@code FileChannel}, a {@code Pipe.SinkChannel}): a
 * wrapper channel makes the JDK fall back to copying through a buffer. When the target takes nothing (a
 * non-blocking socket with a full send buffer, or a wrapper over one) the transfer stops, and the return value says
 * how far it got: it never spins.
 * <p>
 * Stateless and thread-safe.
 */
public final class TransferChannel
{
    private TransferChannel()
    {
    }

    /**
     * Sends {@code count} bytes of {@code source} starting at {@code position} to {@code target}.
     *
     * @param source   the file to send from; its shared position is not used.
     * @param position the file offset of the first byte.
     * @param count    how many bytes to send.
     * @param target   the channel to send to.
     * @return the bytes sent: {@code count}, or fewer when the target would take no more.
     * @throws EOFException when the file ends before {@code count} bytes.
     * @throws IOException  when the transfer fails.
     */
    public static long transferFully(final FileChannel source, final long position, final long count,
                                     final WritableByteChannel target) throws IOException
    {
        return transferFully(new ChannelHolder()
        {
            public FileChannel channel()
            {
                return source;
            }

            public boolean reopen(final FileChannel broken, final IOException cause)
            {
                return false;
            }
        }, position, count, target);
    }

    /**
     * Sends {@code count} bytes from {@code position} of the holder's channel to {@code target}, reopening the
     * source if another thread's interrupt closed it.
     *
     * @param holder   the source channel's holder.
     * @param position the file offset of the first byte.
     * @param count    how many bytes to send.
     * @param target   the channel to send to.
     * @return the bytes sent: {@code count}, or fewer when the target would take no more.
     * @throws EOFException when the file ends before {@code count} bytes.
     * @throws IOException  when the transfer fails, or this thread was interrupted.
     */
    public static long transferFully(final ChannelHolder holder, final long position, final long count,
                                     final WritableByteChannel target) throws IOException
    {
        long sent = 0;
        while (sent < count)
        {
            final FileChannel source = holder.channel();
            final long n;
            try
            {
                n = source.transferTo(position + sent, count - sent, target);
            }
            catch (final ClosedChannelException e)
            {
                if (!target.isOpen())
                {
                    throw new TargetFailedException(e);
                }
                PositionalIo.recover(holder, source, e);
                continue;
            }
            catch (final IOException e)
            {
                throw isTargetFailure(target, e) ? new TargetFailedException(e) : e;
            }
            if (n > 0)
            {
                sent += n;
                continue;
            }
            if (position + sent >= source.size())
            {
                throw new EOFException(String.format("end of file transferring %d bytes at offset %d: sent %d",
                    count, position, sent));
            }
            // The target takes nothing now (a non-blocking socket whose buffer is full, or a wrapper over one):
            // say how far we got rather than spin.
            break;
        }
        return sent;
    }

    /**
     * Whether a failed transfer failed on the target's side: the target is closed, or is a socket and the error is
     * not the file's own (an {@code EIO} reading it). A socket's peer going away shows as "Broken pipe" or
     * "Connection reset by peer" from {@code sendfile}.
     */
    private static boolean isTargetFailure(final WritableByteChannel target, final IOException e)
    {
        if (!target.isOpen())
        {
            return true;
        }
        final String message = e.getMessage();
        return target instanceof NetworkChannel && (message == null || !message.contains("Input/output error"));
    }
}
