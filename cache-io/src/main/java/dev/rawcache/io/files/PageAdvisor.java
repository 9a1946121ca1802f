package dev.rawcache.io.files;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.Locale;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Passes {@link AccessHint}s to the kernel with {@code madvise(2)}, called through the FFM API the way
 * {@code dev.rawcache.io.file.Preallocator} calls {@code posix_fallocate}.
 * <p>
 * Only on Linux, whose {@code MADV_*} numbers the hints carry; elsewhere, or when the symbol cannot be linked, every
 * call is a no-op that returns false. The start of the range is rounded down to a page boundary (the page size from
 * {@code sysconf(_SC_PAGESIZE)}, 4096 if that fails); the kernel rounds the end up. The mapped segment itself is
 * passed as the address, so the linker keeps its arena alive for the length of the call and a closed mapping fails
 * with {@link IllegalStateException} instead of advising memory that is gone.
 * <p>
 * Stateless and thread-safe.
 */
final class PageAdvisor
{
    private static final int SC_PAGESIZE = 30;
    private static final long DEFAULT_PAGE_SIZE = 4096;

    private static final MethodHandle MADVISE;
    /** The page size, a power of two. */
    static final long PAGE_SIZE;

    static
    {
        MethodHandle madvise = null;
        long pageSize = DEFAULT_PAGE_SIZE;
        if (System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux"))
        {
            try
            {
                madvise = downcall("madvise", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
            }
            catch (final Throwable t)
            {
                madvise = null;
            }
            try
            {
                final MethodHandle sysconf = downcall("sysconf", FunctionDescriptor.of(JAVA_LONG, JAVA_INT));
                final long size = (long)sysconf.invokeExact(SC_PAGESIZE);
                if (size > 0 && (size & (size - 1)) == 0)
                {
                    pageSize = size;
                }
            }
            catch (final Throwable t)
            {
                pageSize = DEFAULT_PAGE_SIZE;
            }
        }
        MADVISE = madvise;
        PAGE_SIZE = pageSize;
    }

    private PageAdvisor()
    {
    }

    @SuppressWarnings("restricted") // downcalls to libc's madvise and sysconf
    private static MethodHandle downcall(final String name, final FunctionDescriptor descriptor)
    {
        final Linker linker = Linker.nativeLinker();
        final SymbolLookup libc = linker.defaultLookup();
        return linker.downcallHandle(libc.find(name).orElseThrow(), descriptor);
    }

    /**
     * Whether hints reach the kernel on this platform.
     *
     * @return true when {@code madvise} was linked.
     */
    static boolean isAvailable()
    {
        return MADVISE != null;
    }

    /**
     * Advises the kernel about {@code [offset, offset + length)} of a mapping.
     *
     * @param mapping the whole mapped segment, starting on a page boundary.
     * @param offset  the first byte of the range, within the mapping.
     * @param length  the length of the range, which must lie within the mapping.
     * @param hint    the advice.
     * @return true when {@code madvise} returned 0; false when the range is empty, hints are unavailable, or the
     *         kernel refused the advice (for example {@code EINVAL} for huge pages on a file without support).
     * @throws IllegalStateException when the mapping has been unmapped.
     */
    static boolean advise(final MemorySegment mapping, final long offset, final long length, final AccessHint hint)
    {
        if (MADVISE == null || length == 0)
        {
            return false;
        }
        final long misalignment = (mapping.address() + offset) & (PAGE_SIZE - 1);
        final long start = Math.max(0, offset - misalignment);
        final long span = offset + length - start;
        try
        {
            return (int)MADVISE.invokeExact(mapping.asSlice(start, span), span, hint.linuxAdvice) == 0;
        }
        catch (final IllegalStateException e)
        {
            throw e;
        }
        catch (final Throwable t)
        {
            return false;
        }
    }
}
