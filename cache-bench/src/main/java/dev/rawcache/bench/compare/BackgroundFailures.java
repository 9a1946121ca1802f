package dev.rawcache.bench.compare;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Records exceptions that end an engine's own background threads (a flusher, a checkpointer, a compaction thread),
 * which would otherwise only print a stack trace to standard error while the measurement goes on, so that the trial
 * running at the time can name them in its row.
 * <p>
 * Thread-safe.
 */
final class BackgroundFailures
{
    private static final ConcurrentLinkedQueue<String> FAILURES = new ConcurrentLinkedQueue<>();

    private BackgroundFailures()
    {
    }

    /**
     * Installs the recorder as the default uncaught-exception handler; it still prints the stack trace.
     */
    static void install()
    {
        Thread.setDefaultUncaughtExceptionHandler((thread, e) ->
        {
            FAILURES.add("thread '" + thread.getName() + "' died: " + Trial.describe(e) + whereThrown(e));
            System.err.print("Exception in thread \"" + thread.getName() + "\" ");
            e.printStackTrace();
        });
    }

    /**
     * Takes the failures recorded since the last call.
     *
     * @return one line per failure.
     */
    static List<String> drain()
    {
        final List<String> drained = new ArrayList<>();
        for (String f = FAILURES.poll(); f != null; f = FAILURES.poll())
        {
            drained.add(f);
        }
        return drained;
    }

    /** The first frame outside the JDK: where in the engine it went wrong. */
    private static String whereThrown(final Throwable e)
    {
        for (final StackTraceElement frame : e.getStackTrace())
        {
            final String c = frame.getClassName();
            if (!c.startsWith("java.") && !c.startsWith("jdk.") && !c.startsWith("sun."))
            {
                return " at " + c.substring(c.lastIndexOf('.') + 1) + "." + frame.getMethodName() + "(" +
                    frame.getFileName() + ":" + frame.getLineNumber() + ")";
            }
        }
        return "";
    }
}
