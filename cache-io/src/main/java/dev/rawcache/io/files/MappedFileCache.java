package dev.rawcache.io.files;

import dev.rawcache.io.Checks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Serves the regular files under one root directory as shared, read-only memory mappings: the static-file path of an
 * HTTP server ({@code GET /files/{path}}), zero-copy through {@link MappedFile#segment()} or
 * {@link MappedFile#transferTo}.
 * <p>
 * <b>The problem.</b> Mapping a file per request costs an {@code open}, an {@code mmap}, a {@code munmap} and, with
 * the JDK's shared arenas, a JVM-wide thread handshake at unmap; a burst of requests for one popular file would map
 * it once per request. Keeping every mapping forever exhausts address space and {@code vm.max_map_count}. And a
 * mapping released while a request still reads it would crash the JVM.
 * <p>
 * <b>The choice.</b> One {@link SharedMapping} per file version, found by the file's real path and reference-counted
 * (as Aeron's {@code LogBuffers.incRef/decRef}): each {@link #acquire(String)} takes a reference and each
 * {@link MappedFile#close()} gives one back. The first acquirer of a version creates the mapping in the index under
 * the cache's lock, then opens and maps the file outside it; acquirers arriving meanwhile take a reference and wait
 * for that load, so a burst maps the file exactly once, and loads of different files run in parallel. The lock only
 * guards bookkeeping (a hash map, an LRU list, counts); no system call runs under it. A mapping nobody holds stays
 * mapped in an LRU of idle mappings while the number of mappings is at most {@code maxMappedFiles}; beyond that the
 * least recently used idle ones are unmapped. Mappings in use are never unmapped: if all are in use, a new file is
 * still mapped and the excess is unmapped as its last handle closes. Unmapping closes the mapping's shared arena, so
 * every segment and buffer ever taken from it fails with {@link IllegalStateException} afterwards, never a crash.
 * <p>
 * <b>Versions.</b> Every acquire stats the file; when size, last-modified time or file key (inode) differ from the
 * indexed mapping's, a new mapping is made for the new version and the old one leaves the index: handles on it keep
 * their old bytes, and it is unmapped with its last handle. Publish new versions with write-to-temporary-then-rename
 * so the old inode stays intact; a file truncated in place under a mapping makes reads past its new end fault (see
 * {@link MappedFile}). Empty files are never mapped ({@code mmap} of zero bytes fails): they get an unshared handle
 * over an empty segment and touch none of the counters.
 * <p>
 * <b>Paths.</b> See {@link #acquire(String)}: a request path is checked lexically, then resolved with every symbolic
 * link followed and required to stay under the root's real path.
 * <p>
 * <b>Trade-offs.</b> One stat and one {@code realpath} per acquire, the price of noticing new versions and escaping
 * symbolic links at once. One lock for the whole cache, held for a few map operations per acquire and release. The
 * bound counts files, not bytes: size it with {@code vm.max_map_count} and address space in mind, not memory (mapped
 * pages are page cache the kernel reclaims anyway). References: nginx's {@code open_file_cache}, Aeron
 * {@code LogBuffers}, Kafka {@code AbstractIndex.forceUnmap}.
 * <p>
 * Thread-safe.
 */
public final class MappedFileCache implements AutoCloseable
{
    private final Path root;
    private final int maxMappedFiles;
    private final AccessHint defaultHint;
    private final PathResolver resolver;

    private final Object lock = new Object();
    /** The current mapping of each file, by real path, loading, in use or idle; guarded by {@link #lock}. */
    private final Map<Path, SharedMapping> index = new HashMap<>();
    /** Indexed mappings with no references, least recently used first; guarded by {@link #lock}. */
    private final LinkedHashMap<Path, SharedMapping> idle = new LinkedHashMap<>();
    /** Mappings created and not yet condemned to unmapping, indexed or not; guarded by {@link #lock}. */
    private int retained;
    /** Set once by {@link #close()}; guarded by {@link #lock}, read without it for a fast refusal. */
    private volatile boolean closed;

    /** Mappings whose arena could not be closed yet because a buffer of it was inside an I/O call. */
    private final ConcurrentLinkedQueue<SharedMapping> deferredUnmaps = new ConcurrentLinkedQueue<>();
    private final AtomicInteger mappedFiles = new AtomicInteger();
    private final AtomicLong mapsCreated = new AtomicLong();
    private final AtomicLong mapsShared = new AtomicLong();
    private final AtomicLong unmaps = new AtomicLong();

    /**
     * A cache serving the files under {@code root}.
     *
     * @param root           the directory to serve; must exist. Its real path is taken now: moving it later is not
     *                       followed.
     * @param maxMappedFiles how many mappings, idle and in use, to keep at most; in-use mappings are never unmapped,
     *                       so more may exist while all are in use. At least 1.
     * @param defaultHint    the advice given with {@code madvise} to each new mapping ({@link AccessHint#NORMAL} for
     *                       none).
     * @throws IllegalArgumentException when {@code root} is not an existing directory or {@code maxMappedFiles} is
     *                                  below 1.
     * @throws dev.rawcache.io.CacheIoException with reason {@code IO} when the root's real path cannot be resolved.
     */
    public MappedFileCache(final Path root, final int maxMappedFiles, final AccessHint defaultHint)
    {
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(defaultHint, "defaultHint");
        Checks.requireArgument(maxMappedFiles >= 1, "maxMappedFiles %d must be at least 1", maxMappedFiles);
        Checks.requireArgument(Files.isDirectory(root), "root %s must be an existing directory", root);
        this.root = root;
        this.maxMappedFiles = maxMappedFiles;
        this.defaultHint = defaultHint;
        this.resolver = new PathResolver(root);
    }

    /**
     * Acquires a handle on the current version of a file under the root, mapping it unless a mapping of this version
     * is already alive. The caller must close the handle.
     * <p>
     * The path is refused unless it is a non-empty relative path of {@code '/'}-separated segments, none empty
     * ({@code "a//b"} and a trailing {@code '/'} are refused, not normalised), {@code .} or {@code ..}, with no
     * backslash, control character (NUL included) or unpaired surrogate, and at most 4096 characters; then unless its
     * real path, with every symbolic link followed, lies under the root's real path. Symbolic links inside the root
     * are served.
     *
     * @param relativePath the URL path after {@code /files/}, percent-decoded, {@code '/'}-separated, for example
     *                     {@code "a/b.txt"}.
     * @return a handle pinning the mapping, to be closed by the caller.
     * @throws FileAccessException   {@code OUTSIDE_ROOT} for a malformed path or one leading out of the root,
     *                               {@code NOT_FOUND} for a missing file, {@code NOT_A_REGULAR_FILE} for a directory
     *                               (the empty path included), device, FIFO or socket, {@code UNREADABLE} when the file
     *                               cannot be opened or mapped.
     * @throws IllegalStateException when the cache is closed.
     */
    public MappedFile acquire(final String relativePath)
    {
        requireOpen();
        final String relative = PathResolver.normalise(relativePath);
        drainDeferredUnmaps();
        final Path real = resolver.resolve(relative);
        final FileVersion seen = FileVersion.read(real, relative);
        if (seen.size() == 0)
        {
            return emptyFile(real, seen, relative);
        }

        final SharedMapping mapping;
        final boolean creator;
        List<SharedMapping> condemned = null;
        synchronized (lock)
        {
            requireOpen();
            final SharedMapping current = index.get(real);
            if (current != null && current.version().sameAs(seen))
            {
                if (current.references++ == 0)
                {
                    idle.remove(real);
                }
                mapping = current;
                creator = false;
            }
            else
            {
                if (current != null)
                {
                    // A new version: the old mapping leaves the index; unmapped now if idle, else with its last handle.
                    index.remove(real);
                    current.indexed = false;
                    if (current.references == 0)
                    {
                        idle.remove(real);
                        condemned = condemn(current, null);
                    }
                }
                mapping = SharedMapping.pending(real, seen);
                mapping.references = 1;
                mapping.indexed = true;
                index.put(real, mapping);
                retained++;
                creator = true;
                condemned = trim(condemned);
            }
        }
        unmapAll(condemned);
        return creator ? load(mapping, seen, relative) : join(mapping, relative);
    }

    private MappedFile emptyFile(final Path real, final FileVersion seen, final String relative)
    {
        FileVersion withInode = seen;
        try
        {
            final FileVersion now = FileVersion.readWithInode(real);
            if (now != null && now.sameAs(seen))
            {
                withInode = now;
            }
        }
        catch (final IOException e)
        {
            // Keep the stat without an inode number: the key falls back to the file key's hash.
        }
        return new MappedFile(this, SharedMapping.empty(real, withInode), relative);
    }

    private MappedFile load(final SharedMapping mapping, final FileVersion seen, final String relative)
    {
        final boolean mapped;
        try
        {
            mapped = mapping.load(seen, defaultHint, relative);
        }
        catch (final RuntimeException | Error e)
        {
            synchronized (lock)
            {
                if (mapping.indexed)
                {
                    index.remove(mapping.realPath);
                    mapping.indexed = false;
                }
                mapping.references--;
                retained--;
            }
            mapping.failLoad(e instanceof RuntimeException re ? re : new IllegalStateException(e));
            throw e;
        }
        if (mapped)
        {
            mapsCreated.incrementAndGet();
            mappedFiles.incrementAndGet();
        }
        mapping.completeLoad();
        return new MappedFile(this, mapping, relative);
    }

    private MappedFile join(final SharedMapping mapping, final String relative)
    {
        final RuntimeException failure = mapping.awaitLoad();
        if (failure == null)
        {
            mapsShared.incrementAndGet();
            return new MappedFile(this, mapping, relative);
        }
        synchronized (lock)
        {
            // A failed load never enters the idle list and has nothing to unmap: just drop the reference.
            mapping.references--;
        }
        if (failure instanceof FileAccessException fae)
        {
            throw new FileAccessException(fae.reason(), PathResolver.quote(relative) +
                " could not be mapped by a concurrent request: " + fae.getMessage(), fae);
        }
        throw failure;
    }

    /**
     * Gives back one handle's reference.
     *
     * @param mapping the handle's mapping.
     */
    void release(final SharedMapping mapping)
    {
        List<SharedMapping> condemned = null;
        synchronized (lock)
        {
            final int references = --mapping.references;
            Checks.requireState(references >= 0, "mapping %s released more often than acquired", mapping);
            if (references == 0)
            {
                if (mapping.indexed && !closed)
                {
                    idle.put(mapping.realPath, mapping);
                    condemned = trim(null);
                }
                else
                {
                    condemned = condemn(mapping, null);
                }
            }
        }
        unmapAll(condemned);
        drainDeferredUnmaps();
    }

    /**
     * Unmaps idle mappings, least recently used first, while more mappings are retained than the bound allows.
     * Called under {@link #lock}.
     */
    private List<SharedMapping> trim(final List<SharedMapping> condemned)
    {
        List<SharedMapping> result = condemned;
        final Iterator<SharedMapping> leastRecentlyUsed = idle.values().iterator();
        while (retained > maxMappedFiles && leastRecentlyUsed.hasNext())
        {
            final SharedMapping victim = leastRecentlyUsed.next();
            leastRecentlyUsed.remove();
            index.remove(victim.realPath);
            victim.indexed = false;
            result = condemn(victim, result);
        }
        return result;
    }

    /** Takes a mapping nobody holds out of the count, for unmapping once the lock is released. */
    private List<SharedMapping> condemn(final SharedMapping mapping, final List<SharedMapping> condemned)
    {
        retained--;
        final List<SharedMapping> result = condemned == null ? new ArrayList<>(2) : condemned;
        result.add(mapping);
        return result;
    }

    private void unmapAll(final List<SharedMapping> condemned)
    {
        if (condemned == null)
        {
            return;
        }
        for (final SharedMapping mapping : condemned)
        {
            unmap(mapping);
        }
    }

    private void unmap(final SharedMapping mapping)
    {
        final boolean wasMapped = mapping.isMapped();
        if (mapping.unmap())
        {
            if (wasMapped)
            {
                mappedFiles.decrementAndGet();
                unmaps.incrementAndGet();
            }
        }
        else
        {
            deferredUnmaps.add(mapping);
        }
    }

    private void drainDeferredUnmaps()
    {
        if (deferredUnmaps.isEmpty())
        {
            return;
        }
        for (int i = deferredUnmaps.size(); i > 0; i--)
        {
            final SharedMapping mapping = deferredUnmaps.poll();
            if (mapping == null)
            {
                return;
            }
            unmap(mapping);
        }
    }

    /**
     * How many files are mapped now: idle, in use, and old versions still held by handles.
     *
     * @return the number of live mappings.
     */
    public int mappedFiles()
    {
        return mappedFiles.get();
    }

    /**
     * How many times a file was mapped since the cache was created.
     *
     * @return the number of {@code map} calls.
     */
    public long mapsCreated()
    {
        return mapsCreated.get();
    }

    /**
     * How many acquires were served by a mapping that was already alive or being created.
     *
     * @return the number of shared acquires.
     */
    public long mapsShared()
    {
        return mapsShared.get();
    }

    /**
     * How many mappings were unmapped since the cache was created.
     *
     * @return the number of unmaps.
     */
    public long unmaps()
    {
        return unmaps.get();
    }

    /**
     * The directory served, as given to the constructor.
     *
     * @return the root.
     */
    public Path root()
    {
        return root;
    }

    /**
     * The bound on mappings kept.
     *
     * @return {@code maxMappedFiles} as given to the constructor.
     */
    public int maxMappedFiles()
    {
        return maxMappedFiles;
    }

    /**
     * Whether hints reach the kernel here ({@code madvise} linked on Linux); elsewhere hints are no-ops.
     *
     * @return true when {@link AccessHint}s are passed to {@code madvise}.
     */
    public static boolean hintsAvailable()
    {
        return PageAdvisor.isAvailable();
    }

    /**
     * Closes the cache: idle mappings are unmapped now, mappings in use when their last handle closes. Acquires
     * already past their check complete normally; later ones throw {@link IllegalStateException}.
     * <p>
     * Idempotent. A mapping whose unmap had to be deferred, because a caller still had one of its buffers inside an
     * I/O call after closing the handle, is unmapped by the next acquire, release or close; calling close again after
     * that call ends reclaims it.
     */
    @Override
    public void close()
    {
        final List<SharedMapping> condemned = new ArrayList<>();
        synchronized (lock)
        {
            if (!closed)
            {
                closed = true;
                for (final SharedMapping mapping : index.values())
                {
                    mapping.indexed = false;
                }
                index.clear();
                for (final SharedMapping mapping : idle.values())
                {
                    condemn(mapping, condemned);
                }
                idle.clear();
            }
        }
        unmapAll(condemned);
        drainDeferredUnmaps();
    }

    private void requireOpen()
    {
        Checks.requireState(!closed, "the mapped file cache is closed");
    }

    @Override
    public String toString()
    {
        return "MappedFileCache[" + mappedFiles() + "/" + maxMappedFiles + " mapped, " + mapsCreated() + " maps, " +
            mapsShared() + " shared, " + unmaps() + " unmaps]";
    }
}
