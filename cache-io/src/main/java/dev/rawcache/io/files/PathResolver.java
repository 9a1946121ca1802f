package dev.rawcache.io.files;

import dev.rawcache.io.CacheIoException;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;

/**
 * Turns a request path into a real file path inside one root directory, or refuses it with a
 * {@link FileAccessException}; nothing that leaves the root is ever returned.
 * <p>
 * Two gates. The first is lexical and runs before any system call: the path must be a non-empty, relative,
 * {@code '/'}-separated path of non-empty segments, none of them {@code .} or {@code ..}, with no backslash, no NUL
 * or other control character and no unpaired surrogate, at most {@link #MAX_PATH_CHARS} characters. Nothing is
 * normalised away: {@code "a//b"}, {@code "a/./b"} and {@code "a/"} are refused rather than guessed at, so one file
 * has one spelling and a request either names it exactly or fails. The second gate is the file system's own view:
 * the candidate is resolved against the root's real path with {@link Path#toRealPath} (following every symbolic
 * link) and must still lie under the real root. Symbolic links that stay inside the root are served; links that leave
 * it are refused with {@link FileAccessException.Reason#OUTSIDE_ROOT}, without saying where they point.
 * <p>
 * What is not covered: someone who can write into the root can swap a directory for a symbolic link between this
 * check and the open that follows (a race that needs {@code openat2(RESOLVE_BENEATH)} to close, which the JDK does
 * not offer). Serve a root that only trusted users can write.
 * <p>
 * Immutable and thread-safe.
 */
final class PathResolver
{
    /** The longest request path accepted, in characters (Linux's {@code PATH_MAX}). */
    static final int MAX_PATH_CHARS = 4096;
    private static final int MAX_QUOTED_CHARS = 200;

    private final Path realRoot;

    /**
     * A resolver under {@code root}.
     *
     * @param root an existing directory.
     * @throws CacheIoException with reason {@code IO} when the root's real path cannot be found.
     */
    PathResolver(final Path root)
    {
        try
        {
            this.realRoot = root.toRealPath();
        }
        catch (final IOException e)
        {
            throw new CacheIoException(CacheIoException.Reason.IO,
                "cannot resolve the real path of the root directory " + root + ": " + e.getMessage(), e);
        }
    }

    /**
     * The root's real path.
     *
     * @return the real path, with every symbolic link resolved.
     */
    Path realRoot()
    {
        return realRoot;
    }

    /**
     * Checks a request path lexically (the first gate).
     *
     * @param requested the request path, percent-decoded, {@code '/'}-separated.
     * @return the same path, known to be well formed.
     * @throws FileAccessException {@code OUTSIDE_ROOT} for a malformed or escaping path, {@code NOT_A_REGULAR_FILE}
     *                             for the empty path (the root directory itself).
     */
    static String normalise(final String requested)
    {
        if (requested == null)
        {
            throw new NullPointerException("relativePath");
        }
        if (requested.isEmpty())
        {
            throw new FileAccessException(FileAccessException.Reason.NOT_A_REGULAR_FILE,
                "'' names the root directory, not a file");
        }
        if (requested.length() > MAX_PATH_CHARS)
        {
            throw outside(requested, String.format("is %d characters long, more than the limit of %d",
                requested.length(), MAX_PATH_CHARS));
        }
        if (requested.charAt(0) == '/')
        {
            throw outside(requested, "is absolute");
        }
        int segmentStart = 0;
        for (int i = 0; i <= requested.length(); i++)
        {
            if (i == requested.length() || requested.charAt(i) == '/')
            {
                checkSegment(requested, segmentStart, i);
                segmentStart = i + 1;
                continue;
            }
            final char c = requested.charAt(i);
            if (c == '\\')
            {
                throw outside(requested, "contains a backslash at index " + i);
            }
            if (Character.isISOControl(c))
            {
                throw outside(requested, String.format("contains the control character U+%04X at index %d", (int)c, i));
            }
            if (Character.isHighSurrogate(c) && i + 1 < requested.length() &&
                Character.isLowSurrogate(requested.charAt(i + 1)))
            {
                i++;
            }
            else if (Character.isSurrogate(c))
            {
                throw outside(requested, "contains an unpaired surrogate at index " + i);
            }
        }
        return requested;
    }

    private static void checkSegment(final String requested, final int start, final int end)
    {
        final int length = end - start;
        if (length == 0)
        {
            throw outside(requested, "has an empty segment at index " + start);
        }
        if (requested.charAt(start) == '.' && (length == 1 || (length == 2 && requested.charAt(start + 1) == '.')))
        {
            throw outside(requested, String.format("has a '%s' segment at index %d",
                requested.substring(start, end), start));
        }
    }

    /**
     * Resolves a well-formed request path against the root and checks the result stays under it (the second gate).
     *
     * @param relative a path returned by {@link #normalise(String)}.
     * @return the file's real path, under the real root, every symbolic link resolved.
     * @throws FileAccessException {@code NOT_FOUND}, {@code OUTSIDE_ROOT} (a symbolic link leading out) or
     *                             {@code UNREADABLE}.
     */
    Path resolve(final String relative)
    {
        final Path real;
        try
        {
            real = realRoot.resolve(relative).toRealPath();
        }
        catch (final InvalidPathException e)
        {
            throw outside(relative, "is not a valid file name here");
        }
        catch (final IOException e)
        {
            throw failure(relative, e);
        }
        if (!real.startsWith(realRoot))
        {
            throw outside(relative, "leads outside the root through a symbolic link");
        }
        return real;
    }

    /**
     * Classifies a failure to find, inspect or open a file.
     *
     * @param relative the request path.
     * @param e        the failure.
     * @return the exception to throw: {@code NOT_FOUND} for a missing file or a file used as a directory,
     *         {@code UNREADABLE} otherwise.
     */
    static FileAccessException failure(final String relative, final IOException e)
    {
        if (e instanceof NoSuchFileException || e instanceof NotDirectoryException)
        {
            return new FileAccessException(FileAccessException.Reason.NOT_FOUND, quote(relative) + " does not exist");
        }
        if (e instanceof AccessDeniedException)
        {
            return new FileAccessException(FileAccessException.Reason.UNREADABLE,
                quote(relative) + " cannot be read: permission denied", e);
        }
        if (e instanceof FileSystemException fse && fse.getReason() != null)
        {
            final String why = fse.getReason();
            if (why.contains("Not a directory") || why.contains("name too long"))
            {
                return new FileAccessException(FileAccessException.Reason.NOT_FOUND,
                    quote(relative) + " does not exist (" + why + ")");
            }
            if (why.contains("symbolic links"))
            {
                return outside(relative, "has a loop of symbolic links");
            }
            return new FileAccessException(FileAccessException.Reason.UNREADABLE,
                quote(relative) + " cannot be read: " + why, e);
        }
        return new FileAccessException(FileAccessException.Reason.UNREADABLE,
            quote(relative) + " cannot be read: " + e.getClass().getSimpleName(), e);
    }

    private static FileAccessException outside(final String requested, final String why)
    {
        return new FileAccessException(FileAccessException.Reason.OUTSIDE_ROOT, quote(requested) + " " + why);
    }

    /**
     * A request path quoted for a message: control characters, backslashes and unpaired surrogates escaped, long paths
     * cut short.
     *
     * @param requested the request path.
     * @return the quoted path.
     */
    static String quote(final String requested)
    {
        final StringBuilder quoted = new StringBuilder(Math.min(requested.length(), MAX_QUOTED_CHARS) + 8).append('\'');
        final int end = Math.min(requested.length(), MAX_QUOTED_CHARS);
        for (int i = 0; i < end; i++)
        {
            final char c = requested.charAt(i);
            if (Character.isISOControl(c) || Character.isSurrogate(c) || c == '\\' || c == '\'')
            {
                quoted.append(String.format("\\u%04x", (int)c));
            }
            else
            {
                quoted.append(c);
            }
        }
        if (end < requested.length())
        {
            quoted.append("...(").append(requested.length()).append(" chars)");
        }
        return quoted.append('\'').toString();
    }
}
