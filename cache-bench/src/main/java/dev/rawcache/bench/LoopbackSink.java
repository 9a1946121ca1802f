package dev.rawcache.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A connected pair of loopback TCP sockets whose receiving end a thread of its own drains into a buffer and
 * discards: the target for benchmarks of {@code transferTo}, standing in for a proxy's client connection.
 * <p>
 * <b>Why not {@code /dev/null} or a pipe.</b> {@code sendfile} into {@code /dev/null} is a splice the kernel ends
 * without copying a byte, and into a pipe it moves page references rather than bytes; either would report a speed no
 * socket ever sees. On a loopback socket {@code sendfile} hands page-cache pages to TCP and the receiver copies them
 * out with {@code read}, which is the same work a proxy's client does, only on the same machine. The receiver's
 * copy is then the bottleneck and competes for the CPUs with the sender: measured figures are of the whole pipe,
 * sender and receiver, which on a 2-core machine means both cores.
 * <p>
 * {@link #close()} checks that every byte the benchmark says it sent arrived.
 * <p>
 * Not thread-safe: one sending thread per sink.
 */
public final class LoopbackSink implements AutoCloseable
{
    private static final int DRAIN_BUFFER_BYTES = 1 << 20;

    private final ServerSocketChannel server;
    private final SocketChannel sender;
    private final SocketChannel receiver;
    private final Thread drainer;
    private final AtomicLong received = new AtomicLong();
    private volatile IOException drainFailure;
    private long sent;

    private LoopbackSink(final ServerSocketChannel server, final SocketChannel sender, final SocketChannel receiver)
    {
        this.server = server;
        this.sender = sender;
        this.receiver = receiver;
        this.drainer = Thread.ofPlatform().daemon().name("loopback-sink-drain").unstarted(this::drain);
    }

    /**
     * Opens a connected pair on 127.0.0.1 and starts draining it.
     *
     * @return the sink.
     */
    public static LoopbackSink open()
    {
        try
        {
            final ServerSocketChannel server = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            final SocketChannel sender = SocketChannel.open(server.getLocalAddress());
            final SocketChannel receiver = server.accept();
            final LoopbackSink sink = new LoopbackSink(server, sender, receiver);
            sink.drainer.start();
            return sink;
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException("cannot open a loopback socket pair", e);
        }
    }

    /**
     * The sending end: a blocking JDK {@link SocketChannel}, so {@code FileChannel.transferTo} takes {@code sendfile}.
     *
     * @return the channel.
     */
    public SocketChannel channel()
    {
        return sender;
    }

    /**
     * Records bytes the caller sent, for the check in {@link #close()}.
     *
     * @param bytes how many.
     */
    public void countSent(final long bytes)
    {
        sent += bytes;
    }

    /**
     * Bytes the drain thread has read so far.
     *
     * @return bytes.
     */
    public long received()
    {
        return received.get();
    }

    /**
     * Shuts the sending end, waits for the drain thread to read everything, closes both ends.
     *
     * @throws IllegalStateException when fewer or more bytes arrived than were counted as sent.
     */
    @Override
    public void close()
    {
        try
        {
            sender.shutdownOutput();
            drainer.join(60_000);
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException("cannot shut the loopback sender", e);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
        finally
        {
            closeQuietly(sender);
            closeQuietly(receiver);
            closeQuietly(server);
        }
        if (drainFailure != null)
        {
            throw new IllegalStateException("loopback drain failed", drainFailure);
        }
        if (received.get() != sent)
        {
            throw new IllegalStateException("loopback sink received " + received.get() + " bytes, sent " + sent);
        }
    }

    private void drain()
    {
        final ByteBuffer buffer = ByteBuffer.allocateDirect(DRAIN_BUFFER_BYTES);
        try
        {
            while (true)
            {
                buffer.clear();
                final int n = receiver.read(buffer);
                if (n < 0)
                {
                    return;
                }
                received.getAndAdd(n);
            }
        }
        catch (final IOException e)
        {
            drainFailure = e;
        }
    }

    private static void closeQuietly(final AutoCloseable closeable)
    {
        try
        {
            closeable.close();
        }
        catch (final Exception ignored)
        {
            // Closing after the check: nothing left to report.
        }
    }
}
