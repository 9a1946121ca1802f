package dev.rawcache.bench.compare;

import java.io.PrintStream;

/**
 * Progress lines on standard output, each stamped with the time since the run started and, once trials have
 * completed, an estimate of the time left.
 * <p>
 * Thread-safe: lines are printed whole.
 */
final class Progress
{
    private final PrintStream out;
    private final long start = System.nanoTime();
    private volatile int totalSteps = 1;
    private volatile int doneSteps;

    /**
     * Creates a progress printer.
     *
     * @param out where lines go.
     */
    Progress(final PrintStream out)
    {
        this.out = out;
    }

    /**
     * Sets how many steps (trials) the run has, for the estimate.
     *
     * @param total steps.
     */
    void totalSteps(final int total)
    {
        totalSteps = Math.max(1, total);
    }

    /**
     * Records that one step ended.
     */
    void stepDone()
    {
        doneSteps++;
    }

    /**
     * Seconds since the run started.
     *
     * @return seconds.
     */
    double elapsedSeconds()
    {
        return (System.nanoTime() - start) / 1e9;
    }

    /**
     * Prints a line.
     *
     * @param text the line.
     */
    synchronized void line(final String text)
    {
        final long elapsed = (long)elapsedSeconds();
        final int done = doneSteps;
        final String eta;
        if (done > 0 && done < totalSteps)
        {
            final long left = (long)(elapsedSeconds() / done * (totalSteps - done));
            eta = String.format(" ~%d:%02d left, %d/%d", left / 60, left % 60, done, totalSteps);
        }
        else
        {
            eta = String.format(" %d/%d", done, totalSteps);
        }
        out.printf("[%2d:%02d%s] %s%n", elapsed / 60, elapsed % 60, eta, text);
        out.flush();
    }
}
