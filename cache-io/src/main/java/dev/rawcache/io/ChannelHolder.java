package dev.rawcache.io;

import java.io.IOException;
import java.nio.channels.FileChannel;

/**
 * Holds a {@link FileChannel} that may have to be reopened behind the callers' backs.
 * <p>
 * A {@code FileChannel} is interruptible: when a thread is interrupted during a read, a write or a transfer, the JDK
 * closes the channel for every thread ({@link java.nio.channels.ClosedByInterruptException} for the interrupted one,
 * {@link java.nio.channels.AsynchronousCloseException} for the others). A cache shared by a whole server must not
 * die because one request thread was cancelled, so the I/O helpers ask the holder to reopen the channel and go on.
 * <p>
 * Implementations are thread-safe.
 */
public interface ChannelHolder
{
    /**
     * The channel to use now.
     *
     * @return the current channel.
     */
    FileChannel channel();

    /**
     * Replaces {@code broken} with a freshly opened channel, unless another thread already has, or the holder was
     * closed on purpose.
     *
     * @param broken the channel that was found closed.
     * @param cause  the exception that showed it.
     * @return true when a usable channel is now current (retry), false when the holder is closed (give up).
     * @throws IOException when reopening fails.
     */
    boolean reopen(FileChannel broken, IOException cause) throws IOException;
}
