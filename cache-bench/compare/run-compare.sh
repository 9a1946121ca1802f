#!/usr/bin/env bash
#
# run-compare.sh - rawcache side by side with Chronicle Map, RocksDB, MapDB, Ehcache, a file per entry and a
# naive preallocated file, plus the machine's limits, in one JVM and one run (issue 6).
#
#   cache-bench/compare/run-compare.sh --quick     # 512 MiB per value size, 1 round: under 10 minutes
#   cache-bench/compare/run-compare.sh             # full: 1 GiB per value size, 3 rounds (about 40 minutes)
#   cache-bench/compare/run-compare.sh --quick --engines rawcache,rocks --sizes 4096
#
# Writes docs/performance-results.md, docs/performance-results.csv and docs/plots/*.svg (or under --out DIR).
# Progress goes to standard output. Options: see `--help` (dev.rawcache.bench.compare.Settings).
#
# Steps: builds cache-bench and the modules it needs (mvn package, skipping tests) unless --no-build; copies
# benchmarks.jar aside so that a concurrent rebuild cannot swap it mid-run; runs
# dev.rawcache.bench.compare.Compare with the peers' jars (target/compare.classpath, written by the build) after it
# and the JVM flags below. The engines' files go to a fresh directory under $TMPDIR (or --data-dir), deleted at the
# end.
#
set -euo pipefail

ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
cd "$ROOT"

BUILD=1
ARGS=()
for arg in "$@"; do
    if [[ "$arg" == "--no-build" ]]; then BUILD=0; else ARGS+=("$arg"); fi
done

# A JDK 25: the project launcher's choice, else JAVA_HOME.
JDK="$("$ROOT/rawcache" java-home 2>/dev/null || true)"
if [[ -z "$JDK" || ! -x "$JDK/bin/java" ]]; then
    JDK="${JAVA_HOME:-}"
fi
if [[ -z "$JDK" || ! -x "$JDK/bin/java" ]]; then
    echo "run-compare.sh: no JDK 25 found; set JAVA_HOME" >&2
    exit 1
fi
export JAVA_HOME="$JDK"

if [[ "$BUILD" == 1 ]]; then
    echo "building cache-bench (mvn -B -q -DskipTests -pl cache-bench -am package) ..."
    MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow" \
        mvn -B -q -DskipTests -pl cache-bench -am package
fi
[[ -f cache-bench/target/benchmarks.jar && -f cache-bench/target/compare.classpath ]] || {
    echo "run-compare.sh: cache-bench/target/benchmarks.jar or compare.classpath missing; run without --no-build" >&2
    exit 1
}

WORK="$(mktemp -d "${TMPDIR:-/tmp}/run-compare.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
cp cache-bench/target/benchmarks.jar "$WORK/benchmarks.jar"
CLASSPATH_FILE="$(cat cache-bench/target/compare.classpath)"

COMMIT="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]]; then
    COMMIT="$COMMIT (with uncommitted changes)"
fi

JVM_FLAGS=(
    # A fixed, pre-touched heap: growing the heap mid-run slows whichever engine is running.
    -Xms2g -Xmx2g -XX:+AlwaysPreTouch
    # rawcache: Agrona counters, restricted MemorySegment calls.
    --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED
    --enable-native-access=ALL-UNNAMED
    --sun-misc-unsafe-memory-access=allow
    # Chronicle Map 2026.1 on JDK 25 (see /work/shared/REFERENCES.md, "Peers for side-by-side benchmarks").
    --add-exports=java.base/jdk.internal.ref=ALL-UNNAMED
    --add-exports=java.base/sun.nio.ch=ALL-UNNAMED
    --add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED
    --add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED
    --add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED
    --add-opens=java.base/java.lang=ALL-UNNAMED
    --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
    --add-opens=java.base/java.io=ALL-UNNAMED
    --add-opens=java.base/java.util=ALL-UNNAMED
    --add-opens=java.base/java.nio=ALL-UNNAMED
    --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
    -Dchronicle.analytics.disable=true
    -Dchronicle.disk.monitor.disable=true
)

# Not exec: the trap removes the copied jar when the JVM ends.
# COMPARE_JAVA_OPTS adds JVM options, such as a profiler agent (docs/performance.md, "Profiling").
# shellcheck disable=SC2086
"$JDK/bin/java" "${JVM_FLAGS[@]}" ${COMPARE_JAVA_OPTS:-} "-Dcompare.commit=$COMMIT" \
    -cp "$WORK/benchmarks.jar:$CLASSPATH_FILE" dev.rawcache.bench.compare.Compare "${ARGS[@]}"
