package dev.rawcache.bench;

import java.util.SplittableRandom;

/**
 * Draws item indices {@code 0 .. items - 1} with Zipf-distributed popularity, the hot items scattered over the index
 * range instead of bunched at its start.
 * <p>
 * <b>The problem.</b> Real cache traffic is skewed: a few objects take most requests. A benchmark that reads keys
 * uniformly measures a colder cache than production sees; one that reads item 0, 1, 2 ... in popularity order also
 * places the hot values next to each other in the file, which flatters the page cache and the CPU caches.
 * <p>
 * <b>The choice.</b> Rank {@code r} (1-based) has weight {@code 1 / r^exponent}; a draw is a binary search of a
 * uniform number in the cumulative weights (exact, O(log n), and the tables here are at most a few hundred thousand
 * items). The rank is then mapped to an item through a random permutation made from the same seed, so the
 * distribution over ranks is exactly Zipf and the hottest items sit at random places in the file. This is the
 * "scrambled Zipfian" of YCSB (Cooper et al., SoCC 2010) with a bijection in place of YCSB's hash-and-modulo, which
 * can map two ranks to one item. The default exponent 0.99 is YCSB's.
 * <p>
 * <b>The trade-off.</b> Benchmarks call {@link #indices(int)} once in setup and walk the returned array, so no
 * random number is drawn inside the timed loop; the array must be long enough not to make the access pattern
 * periodic on a scale the caches can learn (2^20 draws here).
 * <p>
 * Deterministic: the same items, exponent and seed give the same draws. Not thread-safe.
 */
public final class ScrambledZipf
{
    /** YCSB's default Zipf exponent. */
    public static final double DEFAULT_EXPONENT = 0.99;

    private final double[] cumulative;
    private final int[] permutation;
    private final SplittableRandom random;

    /**
     * Creates a generator.
     *
     * @param items    how many distinct items, at least 1.
     * @param exponent the Zipf exponent, 0 (uniform) or more.
     * @param seed     the seed of both the permutation and the draws.
     */
    public ScrambledZipf(final int items, final double exponent, final long seed)
    {
        if (items < 1)
        {
            throw new IllegalArgumentException("items " + items + " must be at least 1");
        }
        if (!(exponent >= 0))
        {
            throw new IllegalArgumentException("exponent " + exponent + " must be 0 or more");
        }
        cumulative = new double[items];
        double sum = 0;
        for (int rank = 0; rank < items; rank++)
        {
            sum += 1.0 / Math.pow(rank + 1, exponent);
            cumulative[rank] = sum;
        }
        for (int rank = 0; rank < items; rank++)
        {
            cumulative[rank] /= sum;
        }
        cumulative[items - 1] = 1.0;

        final SplittableRandom shuffler = new SplittableRandom(seed);
        permutation = new int[items];
        for (int i = 0; i < items; i++)
        {
            permutation[i] = i;
        }
        for (int i = items - 1; i > 0; i--)
        {
            final int j = shuffler.nextInt(i + 1);
            final int t = permutation[i];
            permutation[i] = permutation[j];
            permutation[j] = t;
        }
        random = shuffler.split();
    }

    /**
     * Draws one item.
     *
     * @return an item index from 0 to {@code items - 1}.
     */
    public int next()
    {
        final double u = random.nextDouble();
        int low = 0;
        int high = cumulative.length - 1;
        while (low < high)
        {
            final int mid = (low + high) >>> 1;
            if (cumulative[mid] < u)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }
        return permutation[low];
    }

    /**
     * Draws {@code count} items into a new array, for a benchmark to walk.
     *
     * @param count how many draws.
     * @return the item indices.
     */
    public int[] indices(final int count)
    {
        final int[] indices = new int[count];
        for (int i = 0; i < count; i++)
        {
            indices[i] = next();
        }
        return indices;
    }

    /**
     * The item of a given popularity rank.
     *
     * @param rank 0 for the most popular item.
     * @return its item index.
     */
    public int itemOfRank(final int rank)
    {
        return permutation[rank];
    }
}
