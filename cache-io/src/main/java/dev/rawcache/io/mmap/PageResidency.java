package dev.rawcache.io.mmap;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Whether pages of a mapping are in memory, by {@code mincore(2)} called through the FFM API.
 * <p>
 * Why the cache asks: a copy that fills a whole page of a shared file mapping faults that page in first, and a page
 * that is not in the page cache is then <em>read from disk</em> before being overwritten, while a {@code pwrite} of
 * the whole page skips the read. So a store fills a whole page through the mapping only when the page is resident.
 * <p>
 * Linux only, 4 KiB pages or larger; elsewhere, or when {@code mincore} cannot be linked, {@link #resident} answers
 * false, which sends the caller down the path that is right without the answer. The answer is a snapshot: the page
 * may leave memory right after, which costs the read it tried to spare, never correctness.
 * <p>
 * Thread-safe: each thread has its own result vector.
 */
public final class PageResidency
{
    /** The most pages one question may cover. */
    public static final int MAX_PAGES = 16;
    private static final long PAGE_SIZE = 4096;
    private static final MethodHandle MINCORE;
    private static final ThreadLocal<MemorySegment> VECTORS =
        ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(MAX_PAGES));

    static
    {
        MethodHandle mincore = null;
        if (System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux"))
        {
            try
            {
                mincore = downcall();
            }
            catch (final Throwable t)
            {
                mincore = null;
            }
        }
        MINCORE = mincore;
    }

    private PageResidency()
    {
    }

    @SuppressWarnings("restricted") // a downcall to libc's mincore
    private static MethodHandle downcall()
    {
        final Linker linker = Linker.nativeLinker();
        final SymbolLookup libc = linker.defaultLookup();
        return linker.downcallHandle(libc.find("mincore").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS));
    }

    /**
     * Whether {@code mincore} is linked on this platform.
     *
     * @return true when {@link #resident} can answer true.
     */
    public static boolean isAvailable()
    {
        return MINCORE != null;
    }

    /**
     * Whether every page of {@code [offset, offset + length)} of a mapping is in memory.
     *
     * @param mapping a mapped segment starting on a page boundary.
     * @param offset  the first byte, within the mapping.
     * @param length  how many bytes, within the mapping; at most {@link #MAX_PAGES} pages once aligned.
     * @return true when every page is resident; false when one is not, when the range is empty or too long, or when
     *         the question cannot be asked here.
     * @throws IllegalStateException when the mapping has been unmapped.
     */
    public static boolean resident(final MemorySegment mapping, final long offset, final long length)
    {
        if (MINCORE == null || length <= 0)
        {
            return false;
        }
        final long start = offset & -PAGE_SIZE;
        final long end = Math.min(mapping.byteSize(), (offset + length + PAGE_SIZE - 1) & -PAGE_SIZE);
        final int pages = (int)((end - start) / PAGE_SIZE);
        if (pages > MAX_PAGES || pages <= 0)
        {
            return false;
        }
        final MemorySegment vector = VECTORS.get();
        try
        {
            if ((int)MINCORE.invokeExact(mapping.asSlice(start, end - start), end - start, vector) != 0)
            {
                return false;
            }
        }
        catch (final IllegalStateException e)
        {
            throw e;
        }
        catch (final Throwable t)
        {
            return false;
        }
        for (int i = 0; i < pages; i++)
        {
            if ((vector.get(ValueLayout.JAVA_BYTE, i) & 1) == 0)
            {
                return false;
            }
        }
        return true;
    }
}
