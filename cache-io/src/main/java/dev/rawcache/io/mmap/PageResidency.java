package dev.rawcache.io.mmap;

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
 * Whether pages of a mapping are in memory, by {@code mincore(2)} called through the FFM API.
 * <p>
 * Why the cache asks: a copy that fills a whole page of a shared file mapping faults that page in first, and a page
 * that is not in the page cache is then <em>read from disk</em> before being overwritten, while a {@code pwrite} of
 * the whole page skips the read. So a store fills a whole page through the mapping only when the page is resident.
 * <p>
 * Linux only, with 4 KiB pages; elsewhere, or when {@code mincore} cannot be linked, {@link #resident} answers
 * false, which sends the caller down the path that is right without the answer. The answer is a snapshot: the page
 * may leave memory right after, which costs the read it tried to spare, never correctness.
 * <p>
 * The call gets the mapping's address, not the segment: a segment passed to a downcall locks its arena for the call,
 * and a cache closing at that moment would fail to unmap. If the range is unmapped meanwhile, {@code mincore} fails
 * ({@code ENOMEM}) and the answer is false. The result vector is a small heap array per call, passed as a critical
 * (heap-accessing) call since {@code mincore} returns at once.
 * <p>
 * Stateless and thread-safe.
 */
public final class PageResidency
{
    /** The most pages one question may cover. */
    public static final int MAX_PAGES = 16;
    private static final long PAGE_SIZE = 4096;
    private static final int SC_PAGESIZE = 30;
    private static final MethodHandle MINCORE;

    static
    {
        MethodHandle mincore = null;
        if (System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux"))
        {
            try
            {
                mincore = pageSize() == PAGE_SIZE ? downcall() : null;
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
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS), Linker.Option.critical(true));
    }

    /** The page size from {@code sysconf(_SC_PAGESIZE)}; the residency question is asked only with 4 KiB pages. */
    @SuppressWarnings("restricted") // a downcall to libc's sysconf
    private static long pageSize() throws Throwable
    {
        final Linker linker = Linker.nativeLinker();
        final MethodHandle sysconf = linker.downcallHandle(linker.defaultLookup().find("sysconf").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT));
        return (long)sysconf.invokeExact(SC_PAGESIZE);
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
        final byte[] vector = new byte[pages];
        try
        {
            if ((int)MINCORE.invokeExact(MemorySegment.ofAddress(mapping.address() + start), end - start,
                MemorySegment.ofArray(vector)) != 0)
            {
                return false;
            }
        }
        catch (final Throwable t)
        {
            return false;
        }
        for (final byte page : vector)
        {
            if ((page & 1) == 0)
            {
                return false;
            }
        }
        return true;
    }
}
