package dev.rawcache.bench.compare;

import org.ehcache.Cache;
import org.ehcache.PersistentCacheManager;
import org.ehcache.config.builders.CacheConfigurationBuilder;
import org.ehcache.config.builders.CacheManagerBuilder;
import org.ehcache.config.builders.ResourcePoolsBuilder;
import org.ehcache.config.units.MemoryUnit;

import java.nio.file.Path;

/**
 * Ehcache 3.12.0 with a single persistent disk tier ({@code disk(size, MB, true)}, no heap or off-heap tier, so every
 * hit is served from the disk store, through its memory-mapped file and a deserialization). The tier is sized at four
 * times the data set: at twice, it silently evicts about 1% of entries. Its API takes and returns {@code byte[]}: a
 * store copies the direct buffer into a reused array that Ehcache serializes, a lookup returns a new array.
 * <p>
 * Thread-safe as {@link Engine} requires.
 */
final class EhcacheEngine implements Engine
{
    private PersistentCacheManager manager;
    private Cache<String, byte[]> cache;
    private int valueSize;
    private long diskMiB;

    @Override
    public String name()
    {
        return "Ehcache";
    }

    @Override
    public String settings()
    {
        return "3.12.0, persistent disk tier only, " + diskMiB + " MiB (4x the data set; 2x evicts ~1%), default " +
            "segments and serializers (String, byte[]); byte[] API: one array copy per store, a new array per lookup";
    }

    @Override
    public void open(final Path directory, final DataSet data)
    {
        valueSize = data.valueSize();
        diskMiB = Math.max(64, 4 * data.totalBytes() >>> 20);
        manager = CacheManagerBuilder.newCacheManagerBuilder()
            .with(CacheManagerBuilder.persistence(directory.resolve("ehcache").toFile()))
            .withCache("compare", CacheConfigurationBuilder.newCacheConfigurationBuilder(String.class, byte[].class,
                ResourcePoolsBuilder.newResourcePoolsBuilder().disk(diskMiB, MemoryUnit.MB, true)))
            .build(true);
        cache = manager.getCache("compare", String.class, byte[].class);
    }

    @Override
    public Session session()
    {
        return Engine.byteArraySession(cache::put, cache::get, valueSize);
    }

    @Override
    public void close()
    {
        if (manager != null)
        {
            manager.close();
        }
    }
}
