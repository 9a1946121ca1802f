package dev.rawcache.io.transfer;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/**
 * transferTo to a real loopback socket sends exactly the asked range, and refuses to run past the file's end.
 */
class TransferChannelTest
{
    @TempDir
    Path dir;

    @Test
    void shouldSendAnExactRangeToALoopbackSocket() throws Exception
    {
        final byte[] data = new byte[3 << 20];
        new Random(11).nextBytes(data);
        final Path path = dir.resolve("data.bin");
        Files.write(path, data);

        try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
             FileChannel file = FileChannel.open(path, StandardOpenOption.READ))
        {
            final CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() ->
            {
                try (SocketChannel peer = server.accept(); InputStream in = peer.socket().getInputStream())
                {
                    final ByteArrayOutputStream out = new ByteArrayOutputStream();
                    in.transferTo(out);
                    return out.toByteArray();
                }
                catch (final Exception e)
                {
                    throw new RuntimeException(e);
                }
            });
            try (SocketChannel client = SocketChannel.open(server.getLocalAddress()))
            {
                assertEquals(data.length - 12345 - 7, TransferChannel.transferFully(file, 12345,
                    data.length - 12345 - 7, client));
            }
            assertArrayEquals(Arrays.copyOfRange(data, 12345, data.length - 7), received.get(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void shouldFailWithEndOfFileWhenTheRangeRunsPastTheFile() throws Exception
    {
        final Path path = dir.resolve("small.bin");
        Files.write(path, new byte[100]);
        try (FileChannel file = FileChannel.open(path, StandardOpenOption.READ);
             FileChannel sink = FileChannel.open(dir.resolve("sink.bin"), StandardOpenOption.CREATE,
                 StandardOpenOption.WRITE))
        {
            final java.io.EOFException e = assertThrows(java.io.EOFException.class,
                () -> TransferChannel.transferFully(file, 50, 100, sink));
            assertTrue(e.getMessage().contains("100 bytes at offset 50"), e.getMessage());
        }
    }
}
