package dev.rawcache.io.file;

import dev.rawcache.io.CacheIoException;
import dev.rawcache.io.PositionalIo;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Locale;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Gives a file real, allocated blocks over a byte range, so that a full disk fails here, with a clear error, and
 * never later as a fault inside a mapped access or a short write.
 * <p>
 * On Linux it calls {@code posix_fallocate(3)} through the FFM API, which reserves the blocks without writing them
 * (ext4 and XFS mark them unwritten, so reads see zeros). Where that call is missing or the file system does not
 * support it, it writes zeros in 1 MiB chunks instead. Either way the file is never sparse. A {@code setLength}
 * would make a sparse file whose holes fault with {@code SIGBUS} when the disk fills; that is exactly what this class
 * exists to avoid.
 * <p>
 * Stateless and thread-safe.
 */
public final class Preallocator
{
    private static final int O_RDWR = 2;
    private static final int O_CLOEXEC = 0x80000;
    private static final int ENOSPC = 28;
    private static final int EFBIG = 27;
    private static final int ZERO_CHUNK = 1 << 20;

    private static final MethodHandle OPEN;
    private static final MethodHandle CLOSE;
    private static final MethodHandle POSIX_FALLOCATE;

    static
    {
        MethodHandle open = null;
        MethodHandle close = null;
        MethodHandle fallocate = null;
        if (System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux"))
        {
            try
            {
                open = downcall("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
                    Linker.Option.firstVariadicArg(2));
                close = downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
                fallocate = downcall("posix_fallocate", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
            }
            catch (final Throwable t)
            {
                open = null;
                close = null;
                fallocate = null;
            }
        }
        OPEN = open;
        CLOSE = close;
        POSIX_FALLOCATE = fallocate;
    }

    private Preallocator()
    {
    }

    @SuppressWarnings("restricted") // downcalls to libc's open, close and posix_fallocate
    private static MethodHandle downcall(final String name, final FunctionDescriptor descriptor,
                                         final Linker.Option... options)
    {
        final Linker linker = Linker.nativeLinker();
        final SymbolLookup libc = linker.defaultLookup();
        return linker.downcallHandle(libc.find(name).orElseThrow(), descriptor, options);
    }

    /**
     * Whether the native {@code posix_fallocate} path is available on this platform.
     *
     * @return true when preallocation goes through {@code posix_fallocate}, false when it writes zeros.
     */
    public static boolean isNativeAvailable()
    {
        return POSIX_FALLOCATE != null;
    }

    /**
     * Allocates real blocks for {@code [offset, offset + length)} of the file, growing it if needed.
     *
     * @param path    the file, which must exist.
     * @param channel an open, writable channel on the same file, used when the native call is not available.
     * @param offset  the first byte to allocate.
     * @param length  how many bytes to allocate.
     * @throws CacheIoException with reason {@code NO_SPACE} when the device is full, or {@code IO}.
     */
    public static void preallocate(final Path path, final FileChannel channel, final long offset, final long length)
    {
        if (length <= 0)
        {
            return;
        }
        if (POSIX_FALLOCATE != null && nativeFallocate(path, offset, length))
        {
            return;
        }
        writeZeros(path, channel, offset, length);
    }

    private static boolean nativeFallocate(final Path path, final long offset, final long length)
    {
        final int fd;
        try (Arena arena = Arena.ofConfined())
        {
            fd = (int)OPEN.invokeExact(arena.allocateFrom(path.toAbsolutePath().toString()), O_RDWR | O_CLOEXEC, 0);
        }
        catch (final Throwable t)
        {
            return false;
        }
        if (fd < 0)
        {
            return false;
        }
        int error;
        try
        {
            error = (int)POSIX_FALLOCATE.invokeExact(fd, offset, length);
        }
        catch (final Throwable t)
        {
            error = -1;
        }
        finally
        {
            try
            {
                final int ignored = (int)CLOSE.invokeExact(fd);
            }
            catch (final Throwable ignored)
            {
                // the descriptor is gone either way
            }
        }
        if (error == ENOSPC || error == EFBIG)
        {
            throw new CacheIoException(CacheIoException.Reason.NO_SPACE, String.format(
                "cannot preallocate %d bytes at offset %d of %s: the device is full (posix_fallocate error %d)",
                length, offset, path, error));
        }
        return error == 0;
    }

    private static void writeZeros(final Path path, final FileChannel channel, final long offset, final long length)
    {
        final ByteBuffer zeros = ByteBuffer.allocateDirect((int)Math.min(ZERO_CHUNK, length));
        long position = offset;
        final long end = offset + length;
        try
        {
            while (position < end)
            {
                zeros.clear().limit((int)Math.min(zeros.capacity(), end - position));
                PositionalIo.writeFully(channel, zeros, position);
                position += zeros.limit();
            }
            channel.force(false);
        }
        catch (final IOException e)
        {
            final String message = String.valueOf(e.getMessage());
            final boolean full = message.contains("No space left") || message.contains("Disk quota");
            throw new CacheIoException(full ? CacheIoException.Reason.NO_SPACE : CacheIoException.Reason.IO,
                String.format("cannot preallocate %d bytes at offset %d of %s: writing zeros failed at offset %d: %s",
                    length, offset, path, position, message), e);
        }
    }
}
