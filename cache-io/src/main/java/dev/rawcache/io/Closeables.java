package dev.rawcache.io;

/**
 * Closes several resources in order, going on after a failure and attaching later failures to the first as
 * suppressed exceptions (the way Agrona's {@code CloseHelper.closeAll} does).
 * <p>
 * Stateless and thread-safe.
 */
public final class Closeables
{
    private Closeables()
    {
    }

    /**
     * Closes every non-null resource, in order.
     *
     * @param resources the resources; nulls are skipped.
     * @throws RuntimeException the first failure, unchecked exceptions as they are and checked ones wrapped in a
     *                          {@link CacheIoException} with reason {@code IO}, with later failures suppressed.
     */
    public static void closeAll(final AutoCloseable... resources)
    {
        Throwable first = null;
        for (final AutoCloseable resource : resources)
        {
            if (resource == null)
            {
                continue;
            }
            try
            {
                resource.close();
            }
            catch (final Throwable t)
            {
                if (first == null)
                {
                    first = t;
                }
                else if (first != t)
                {
                    first.addSuppressed(t);
                }
            }
        }
        if (first instanceof RuntimeException re)
        {
            throw re;
        }
        if (first instanceof Error e)
        {
            throw e;
        }
        if (first != null)
        {
            throw new CacheIoException(CacheIoException.Reason.IO, "close failed: " + first.getMessage(), first);
        }
    }
}
