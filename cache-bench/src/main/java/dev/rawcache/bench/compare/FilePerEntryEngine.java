package dev.rawcache.bench.compare;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * What nginx's proxy cache does: one file per entry, named by the MD5 of the key in a two-level directory tree
 * ({@code levels=1:2}: the last hex digit, then the two before it), written to a temporary file and renamed into
 * place, read by {@code open}, {@code fstat}, {@code read} and {@code close}. The file system is the index; nothing is
 * kept in memory. Unlike nginx there is no header in the file (nginx stores the key and checks it) and no
 * {@code open_file_cache}.
 * <p>
 * On ext4, creating many files right after deleting many is slow for about 30 s (an inode-table scan), so the
 * harness gives this engine a fresh directory and deletes them all at the end of the run, not after each trial.
 * <p>
 * Thread-safe as {@link Engine} requires: each session has its own digest and buffer; a rename is atomic, so a
 * reader sees the old file or the new one.
 */
final class FilePerEntryEngine implements Engine
{
    private static final HexFormat HEX = HexFormat.of();

    private Path root;
    private int valueSize;

    @Override
    public String name()
    {
        return "file per entry";
    }

    @Override
    public String settings()
    {
        return "nginx layout: MD5 of the key, levels=1:2 (4,096 directories), write to a temporary file + rename; " +
            "lookup = open, fstat, read into a reused direct buffer, close; ext4";
    }

    @Override
    public boolean sends()
    {
        return true;
    }

    @Override
    public void open(final Path directory, final DataSet data) throws IOException
    {
        root = directory;
        valueSize = data.valueSize();
        for (int a = 0; a < 16; a++)
        {
            for (int b = 0; b < 256; b++)
            {
                Files.createDirectories(directory.resolve(Integer.toHexString(a)).resolve(HEX.toHexDigits((byte)b)));
            }
        }
    }

    @Override
    public Session session()
    {
        final MessageDigest md5;
        try
        {
            md5 = MessageDigest.getInstance("MD5");
        }
        catch (final NoSuchAlgorithmException e)
        {
            throw new IllegalStateException("no MD5 in this JDK", e);
        }
        final ByteBuffer buffer = ByteBuffer.allocateDirect(valueSize);
        final String temporarySuffix = ".tmp." + Thread.currentThread().threadId();
        return new Session()
        {
            @Override
            public void store(final String key, final ByteBuffer value) throws IOException
            {
                final Path file = path(key);
                final Path temporary = file.resolveSibling(file.getFileName() + temporarySuffix);
                try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING))
                {
                    while (value.hasRemaining())
                    {
                        channel.write(value);
                    }
                }
                Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }

            @Override
            public ByteBuffer lookup(final String key) throws IOException
            {
                final Path file = path(key);
                try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
                {
                    final long size = channel.size();
                    if (size > buffer.capacity())
                    {
                        throw new IOException(file + " is " + size + " bytes, more than any value");
                    }
                    buffer.clear().limit((int)size);
                    while (buffer.hasRemaining() && channel.read(buffer) >= 0)
                    {
                        // Loop until the whole file is in.
                    }
                    return buffer.flip();
                }
                catch (final NoSuchFileException e)
                {
                    return null;
                }
            }

            @Override
            public long send(final String key, final java.nio.channels.WritableByteChannel target)
                throws IOException
            {
                try (FileChannel channel = FileChannel.open(path(key), StandardOpenOption.READ))
                {
                    final long size = channel.size();
                    long sent = 0;
                    while (sent < size)
                    {
                        sent += channel.transferTo(sent, size - sent, target);
                    }
                    return sent;
                }
                catch (final NoSuchFileException e)
                {
                    return -1;
                }
            }

            private Path path(final String key)
            {
                final String hex = HEX.formatHex(md5.digest(key.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                final int n = hex.length();
                return root.resolve(hex.substring(n - 1)).resolve(hex.substring(n - 3, n - 1)).resolve(hex);
            }
        };
    }

    @Override
    public void close()
    {
        // Nothing open between calls.
    }
}
