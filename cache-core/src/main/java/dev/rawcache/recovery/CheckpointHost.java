package dev.rawcache.recovery;

import dev.rawcache.index.Entry;
import dev.rawcache.io.block.ExtentList;

/**
 * What the {@link Checkpointer} needs from the cache: a consistent snapshot of the index, and blocks to write the
 * checkpoint into.
 * <p>
 * Implementations are thread-safe.
 */
public interface CheckpointHost
{
    /**
     * A snapshot of the index from which replaying the journal after {@link Snapshot#replayLsn()} gives the index:
     * it holds every entry live at the replay point that was not removed since, and possibly entries stored or
     * removed after it (the replay settles those).
     *
     * @return the snapshot.
     */
    Snapshot snapshot();

    /**
     * Blocks for a checkpoint, evicting entries if needed, as a store would.
     *
     * @param blocks     how many blocks.
     * @param maxExtents the most extents a pointer can list.
     * @return the extents.
     */
    ExtentList allocate(long blocks, int maxExtents);

    /**
     * Blocks for a checkpoint from free space only, evicting nothing.
     *
     * @param blocks     how many blocks.
     * @param maxExtents the most extents a pointer can list.
     * @return the extents, or null when the free space cannot hold them.
     */
    ExtentList allocateFree(long blocks, int maxExtents);

    /**
     * Returns a checkpoint's blocks to the free space.
     *
     * @param extents the extents.
     */
    void free(ExtentList extents);

    /**
     * The index at one moment.
     *
     * @param entries      every entry, least recently used first.
     * @param replayLsn    the journal's end when the snapshot began: a restart from it replays from here.
     * @param nextSequence the next store sequence.
     */
    record Snapshot(Entry[] entries, long replayLsn, long nextSequence)
    {
    }
}
