package dev.rawcache.server;

import java.nio.charset.StandardCharsets;

/**
 * Test bodies derived from a name and a version, so a torn, stale or foreign body fails a comparison: every 8-byte
 * word holds a hash of (name, version, word index).
 */
final class Bodies
{
    private Bodies()
    {
    }

    static byte[] of(final String name, final int version, final int size)
    {
        final byte[] out = new byte[size];
        final long seed = mix(name.hashCode() * 0x9E3779B97F4A7C15L + version);
        for (int i = 0; i < size; i++)
        {
            final long word = mix(seed + (i >>> 3));
            out[i] = (byte)(word >>> ((i & 7) * 8));
        }
        return out;
    }

    static byte[] text(final String name, final int version)
    {
        return (name + " version " + version + "\n").getBytes(StandardCharsets.UTF_8);
    }

    private static long mix(final long z0)
    {
        long z = z0;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
