package dev.rawcache.io.files;

/**
 * How a mapped file will be read, passed to the kernel with {@code madvise(2)}.
 * <p>
 * The advice is a hint: it changes read-ahead and page reclaim, never the bytes read. Where {@code madvise} is not
 * available (not Linux, or the native call cannot be linked) every hint is a no-op, and where the kernel refuses one
 * (typically {@link #HUGE_PAGES} on a file system without transparent huge pages for files) it is ignored.
 * <p>
 * Immutable and thread-safe.
 */
public enum AccessHint
{
    /** No special treatment: the kernel's default read-ahead ({@code MADV_NORMAL}). */
    NORMAL(0),
    /** Pages will be read in order: read ahead aggressively, free pages soon after use ({@code MADV_SEQUENTIAL}). */
    SEQUENTIAL(2),
    /** Pages will be read in no particular order: read ahead little ({@code MADV_RANDOM}). */
    RANDOM(1),
    /** Pages will be needed soon: start reading them in now ({@code MADV_WILLNEED}, capped by read-ahead). */
    WILL_NEED(3),
    /** Back the range with transparent huge pages where the kernel and file system allow it ({@code MADV_HUGEPAGE}). */
    HUGE_PAGES(14);

    /** The {@code MADV_*} constant on Linux x86_64 and aarch64. */
    final int linuxAdvice;

    AccessHint(final int linuxAdvice)
    {
        this.linuxAdvice = linuxAdvice;
    }
}
