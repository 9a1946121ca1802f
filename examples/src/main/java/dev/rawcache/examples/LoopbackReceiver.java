package dev.rawcache.examples;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The receiving end of the demo's {@code transferTo}: a server socket on {@code 127.0.0.1} and a thread that accepts
 * one connection, reads it to its end and checks every byte against the key's {@link ValuePattern}.
 * <p>
 * Owns the server socket and the thread: {@link #close()} closes the socket, which also ends a thread still waiting
 * to accept.
 * <p>
 * Thread-safe.
 */
final class LoopbackReceiver implements AutoCloseable
{
    private static final int RECEIVE_BUFFER = 256 * 1024;

    private final ServerSocketChannel server;
    private final InetSocketAddress address;
    private final FutureTask<ValuePattern.Checker> task;

    private LoopbackReceiver(final ServerSocketChannel server, final String key, final long length) throws IOException
    {
        this.server = server;
        this.address = (InetSocketAddress)server.getLocalAddress();
        this.task = new FutureTask<>(() -> receive(key, length));
    }

    /**
     * Binds a server socket to an ephemeral port of 127.0.0.1 and starts the receiving thread.
     *
     * @param key    the key whose value is expected.
     * @param length the value's length.
     * @return the running receiver.
     * @throws IOException when the socket cannot be bound.
     */
    static LoopbackReceiver start(final String key, final long length) throws IOException
    {
        final ServerSocketChannel server = ServerSocketChannel.open();
        try
        {
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            final LoopbackReceiver receiver = new LoopbackReceiver(server, key, length);
            final Thread thread = new Thread(receiver.task, "demo-receiver");
            thread.setDaemon(true);
            thread.start();
            return receiver;
        }
        catch (final IOException | RuntimeException e)
        {
            server.close();
            throw e;
        }
    }

    /**
     * Where to connect.
     *
     * @return the bound address.
     */
    InetSocketAddress address()
    {
        return address;
    }

    /**
     * Waits until the sender closed the connection and every byte was checked.
     *
     * @param timeout how long to wait.
     * @param unit    the unit of {@code timeout}.
     * @return the checker, which says how many bytes arrived and whether they were right.
     * @throws IOException          when receiving failed.
     * @throws TimeoutException     when the stream did not end in time.
     * @throws InterruptedException when interrupted while waiting.
     */
    ValuePattern.Checker await(final long timeout, final TimeUnit unit)
        throws IOException, TimeoutException, InterruptedException
    {
        try
        {
            return task.get(timeout, unit);
        }
        catch (final ExecutionException e)
        {
            final Throwable cause = e.getCause();
            throw cause instanceof IOException io ? io : new IOException("receiving failed: " + cause, cause);
        }
    }

    /**
     * Closes the server socket. Idempotent.
     *
     * @throws IOException when closing fails.
     */
    @Override
    public void close() throws IOException
    {
        server.close();
    }

    private ValuePattern.Checker receive(final String key, final long length) throws IOException
    {
        final ValuePattern.Checker checker = ValuePattern.checker(key, length);
        try (SocketChannel socket = server.accept())
        {
            final ByteBuffer buffer = ByteBuffer.allocateDirect(RECEIVE_BUFFER);
            while (socket.read(buffer.clear()) >= 0)
            {
                checker.update(buffer.flip());
            }
        }
        return checker;
    }
}
