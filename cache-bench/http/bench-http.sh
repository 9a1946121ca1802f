#!/usr/bin/env bash
#
# bench-http.sh - wrk against `./rawcache serve` and nginx (nginx-light, sendfile on) on loopback, in one run.
#
# Serves the same random 4 KiB, 64 KiB and 1 MiB bodies from
#   nginx            GET /{size}.bin             static file, sendfile
#   rawcache objects GET /objects/{size}         cache entry (>= 64 KiB by sendfile/FileRegion, smaller as buffers)
#   rawcache files   GET /files/{size}.bin       static file through the shared mapped-file cache
# checks that all of them return byte-identical bodies, then runs wrk for every size x connection count,
# alternating the targets within each case for ROUNDS rounds, and reports the median (and min/max) requests/s
# and MB/s (MB = 10^6 bytes) side by side. Writes docs/http-benchmark.csv and prints a Markdown table.
#
# Usage: cache-bench/http/bench-http.sh [--quick] [options]   (or ./rawcache bench-http [options])
# Run with --help for the options. Installs wrk, nginx-light and curl with apt-get when missing (as root).
#
set -euo pipefail

PROG="bench-http"
ARGS_GIVEN="$( (( $# )) && printf ' %q' "$@")" || true
ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"

# ---------------------------------------------------------------- defaults
ROUNDS=3
DURATION=10          # seconds per measured wrk run
WARMUP=3             # seconds of unrecorded wrk per target before each case
JIT_WARMUP=5         # seconds per rawcache URL (6 URLs) before the first case: JIT warm-up of the JVM
SIZES="4k 64k 1m"
CONNS="2 32"
WRK_THREADS=2
NGINX_WORKERS=auto
NGINX_SENDFILE=on
NGINX_NOPUSH=on
NGINX_RETRIES=4      # extra nginx runs when one worker got every connection (see measure)
IDLE_WAIT=30         # seconds to wait, before each run, for other load on the machine to go away
IDLE_LIMIT=0.25      # "other load" threshold, in cores (busy CPU not used by wrk or the servers)
CEILING=1            # also measure nginx `return 200` (no body, no file): the request-rate ceiling
CSV="$ROOT/docs/http-benchmark.csv"
OUT=""
KEEP=0

usage() {
    cat <<EOF
Usage: cache-bench/http/bench-http.sh [options]      (from the repository root: ./rawcache bench-http [options])

wrk against ./rawcache serve (GET /objects/{key}, GET /files/{name}) and nginx (sendfile on) serving the same
4 KiB, 64 KiB and 1 MiB bodies on loopback; median req/s and MB/s (10^6 bytes) side by side.

  --quick              1 round of 3 s, 1 s warm-ups (about 3 minutes in all)
  --rounds N           measured rounds per case and target (default $ROUNDS)
  --duration S         seconds per measured wrk run (default $DURATION)
  --warmup S           unrecorded wrk seconds per target before each case (default $WARMUP)
  --jit-warmup S       unrecorded wrk seconds per rawcache URL before the first case (default $JIT_WARMUP)
  --sizes "A B"        subset of: 4k 64k 1m (default "$SIZES")
  --conns "A B"        wrk connection counts (default "$CONNS")
  --wrk-threads N      wrk threads (default $WRK_THREADS; capped at the connection count)
  --nginx-workers N    nginx worker_processes, a number or auto (default $NGINX_WORKERS)
  --nginx-sendfile X   on or off (default $NGINX_SENDFILE; off is only a reference: read + write instead of sendfile)
  --nginx-tcp-nopush X on or off (default $NGINX_NOPUSH; off is only a reference)
  --idle-wait S        before each run wait up to S seconds for foreign load < $IDLE_LIMIT cores (default $IDLE_WAIT; 0: no wait)
  --nginx-retries N    re-run an nginx run up to N times when one worker got every connection (default $NGINX_RETRIES)
  --no-ceiling         skip the nginx 'return 200' (empty body) reference
  --csv FILE           CSV results (default docs/http-benchmark.csv)
  --out FILE           also write the report (machine, settings, tables) to FILE (default: in the temp dir)
  --keep               keep the temp dir (data, configs, logs, every wrk output, runs.tsv)
  -h, --help           this help
EOF
}

die() { printf '%s: %s\n' "$PROG" "$*" >&2; exit 1; }
log() { printf '%s: %s\n' "$PROG" "$*" >&2; }

while (( $# )); do
    case "$1" in
        --rounds|--duration|--warmup|--jit-warmup|--sizes|--conns|--wrk-threads|--nginx-*|--idle-wait|--csv|--out)
            (( $# >= 2 )) || die "$1 needs a value" ;;
    esac
    case "$1" in
        --quick) ROUNDS=1; DURATION=3; WARMUP=1; JIT_WARMUP=2; IDLE_WAIT=10 ;;
        --rounds) ROUNDS="$2"; shift ;;
        --duration) DURATION="$2"; shift ;;
        --warmup) WARMUP="$2"; shift ;;
        --jit-warmup) JIT_WARMUP="$2"; shift ;;
        --sizes) SIZES="$2"; shift ;;
        --conns) CONNS="$2"; shift ;;
        --wrk-threads) WRK_THREADS="$2"; shift ;;
        --nginx-workers) NGINX_WORKERS="$2"; shift ;;
        --nginx-sendfile) NGINX_SENDFILE="$2"; shift ;;
        --nginx-tcp-nopush) NGINX_NOPUSH="$2"; shift ;;
        --nginx-retries) NGINX_RETRIES="$2"; shift ;;
        --idle-wait) IDLE_WAIT="$2"; shift ;;
        --no-ceiling) CEILING=0 ;;
        --csv) CSV="$(readlink -m "$2")"; shift ;;
        --out) OUT="$(readlink -m "$2")"; shift ;;
        --keep) KEEP=1 ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown option: $1" ;;
    esac
    shift
done
for n in "$ROUNDS" "$DURATION" "$WARMUP" "$JIT_WARMUP" "$WRK_THREADS" "$IDLE_WAIT" "$NGINX_RETRIES"; do
    [[ "$n" =~ ^[0-9]+$ ]] || die "not a number: $n"
done
(( ROUNDS >= 1 && DURATION >= 1 && WRK_THREADS >= 1 )) || die "--rounds, --duration and --wrk-threads must be >= 1"
for s in $SIZES; do [[ "$s" == 4k || "$s" == 64k || "$s" == 1m ]] || die "unknown size: $s (4k 64k 1m)"; done
for c in $CONNS; do [[ "$c" =~ ^[1-9][0-9]*$ ]] || die "bad connection count: $c"; done
[[ "$NGINX_WORKERS" == auto || "$NGINX_WORKERS" =~ ^[1-9][0-9]*$ ]] || die "bad --nginx-workers: $NGINX_WORKERS"
[[ "$NGINX_SENDFILE" == on || "$NGINX_SENDFILE" == off ]] || die "bad --nginx-sendfile: $NGINX_SENDFILE"
[[ "$NGINX_NOPUSH" == on || "$NGINX_NOPUSH" == off ]] || die "bad --nginx-tcp-nopush: $NGINX_NOPUSH"

cd "$ROOT"

# ---------------------------------------------------------------- tools
need_pkg() {   # need_pkg <command> <debian package>
    command -v "$1" >/dev/null 2>&1 && return 0
    [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1 \
        || die "$1 not found; install the Debian package $2 (e.g. 'sudo apt-get install $2')"
    log "$1 not found; installing $2 with apt-get..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq "$2" </dev/null >/dev/null 2>&1 \
        || { apt-get update -qq </dev/null && apt-get install -y -qq "$2" </dev/null; } \
        || die "installing $2 with apt-get failed"
    command -v "$1" >/dev/null 2>&1 || die "$2 was installed but $1 is still not on PATH"
}
export PATH="$PATH:/usr/sbin:/sbin"
nginx_was_running=0; [[ -s /run/nginx.pid ]] && nginx_was_running=1
need_pkg curl curl
need_pkg wrk wrk
need_pkg nginx nginx-light
# Installing nginx may start the system's own nginx (port 80) where services are allowed to start: stop that one.
if (( ! nginx_was_running )) && [[ -s /run/nginx.pid ]]; then
    log "stopping the system nginx the package installation started"
    nginx -s quit >/dev/null 2>&1 || true
fi

JAVA_HOME_USED="$("$ROOT/rawcache" java-home)" || die "no JDK (./rawcache java-home failed)"
NCPU="$(nproc)"
CLK_TCK="$(getconf CLK_TCK)"

# ---------------------------------------------------------------- temp dir, cleanup
TMP="$(mktemp -d "${TMPDIR:-/tmp}/rawcache-bench-http.XXXXXX")"
RC_PID=""; NGINX_PID=""
stop_pid() {   # stop_pid <pid> <name>: SIGTERM, wait up to 20 s, then SIGKILL
    local pid="$1" i
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for (( i = 0; i < 200; i++ )); do
        kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
        sleep 0.1
    done
    log "$2 (pid $pid) did not stop within 20 s of SIGTERM; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_pid "$RC_PID" "rawcache serve"
    stop_pid "$NGINX_PID" nginx
    if (( KEEP )); then
        log "kept $TMP"
    else
        rm -rf "$TMP"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

DATA="$TMP/data"
mkdir -p "$DATA" "$TMP/nginx/tmp" "$TMP/wrk"
# nginx's workers run as an unprivileged user when started as root: they must be able to read the data.
chmod 755 "$TMP" "$DATA"
declare -A BYTES=([4k]=4096 [64k]=65536 [1m]=1048576)
for s in $SIZES; do
    head -c "${BYTES[$s]}" /dev/urandom > "$DATA/$s.bin"
done
# the ceiling reference does not read a file, but every size is needed for verification
for s in 4k 64k 1m; do [[ -f "$DATA/$s.bin" ]] || head -c "${BYTES[$s]}" /dev/urandom > "$DATA/$s.bin"; done
chmod 644 "$DATA"/*.bin

# ---------------------------------------------------------------- machine info
cpu_model="$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
java_version="$("$JAVA_HOME_USED/bin/java" -version 2>&1 | grep -m1 ' version ' || true)"
java_vm="$("$JAVA_HOME_USED/bin/java" -version 2>&1 | tail -1)"
nginx_version="$(nginx -v 2>&1)"
wrk_version="$( { wrk -v 2>&1 || true; } | head -1 | sed 's/ Copyright.*//')"
mem_total="$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
MACHINE="$(cat <<EOF
- date: $(date -u '+%Y-%m-%d %H:%M UTC')
- nproc: $NCPU ($cpu_model), memory $mem_total, shared by wrk, nginx and rawcache
- kernel: $(uname -sr)
- JDK: $java_version; $java_vm ($JAVA_HOME_USED)
- nginx: ${nginx_version#nginx version: }; wrk: $wrk_version
- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)
EOF
)"
printf '%s\n' "$MACHINE" >&2

# ---------------------------------------------------------------- nginx
listening_ports() {   # every TCP port in LISTEN state, decimal
    awk 'FNR > 1 && $4 == "0A" { split($2, a, ":"); print a[length(a)] }' /proc/net/tcp /proc/net/tcp6 2>/dev/null \
        | while read -r hex; do printf '%d\n' "0x$hex"; done
}
write_nginx_conf() {   # write_nginx_conf <port>
    cat > "$TMP/nginx/nginx.conf" <<EOF
# nginx for bench-http.sh: static files from $DATA
daemon off;
master_process on;
worker_processes $NGINX_WORKERS;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events {
    worker_connections 1024;
}
http {
    access_log off;
    sendfile $NGINX_SENDFILE;
    tcp_nopush $NGINX_NOPUSH;
    tcp_nodelay on;
    keepalive_requests 100000;
    keepalive_timeout 65;
    open_file_cache max=1000 inactive=60s;
    open_file_cache_valid 60s;
    default_type application/octet-stream;
    client_body_temp_path $TMP/nginx/tmp;
    proxy_temp_path $TMP/nginx/tmp;
    fastcgi_temp_path $TMP/nginx/tmp;
    uwsgi_temp_path $TMP/nginx/tmp;
    scgi_temp_path $TMP/nginx/tmp;
    server {
        listen 127.0.0.1:$1 backlog=1024;
        root $DATA;
        location = /empty { return 200 ""; }
    }
}
EOF
}
start_nginx() {
    local attempt port i used
    for (( attempt = 0; attempt < 10; attempt++ )); do
        used=" $(listening_ports | tr '\n' ' ') "
        port=$(( 20000 + RANDOM % 40000 ))
        [[ "$used" == *" $port "* ]] && continue
        write_nginx_conf "$port"
        nginx -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" > "$TMP/nginx/stdout.log" 2>&1 &
        NGINX_PID=$!
        for (( i = 0; i < 50; i++ )); do
            if ! kill -0 "$NGINX_PID" 2>/dev/null; then break; fi
            if [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/empty" 2>/dev/null)" == 200 ]]; then
                NGINX_URL="http://127.0.0.1:$port"
                return 0
            fi
            sleep 0.1
        done
        stop_pid "$NGINX_PID" nginx
        NGINX_PID=""
        log "nginx did not start on port $port: $(tail -2 "$TMP/nginx/error.log" "$TMP/nginx/stdout.log" 2>/dev/null | tr '\n' ' ')"
    done
    die "could not start nginx"
}
start_nginx
log "nginx (pid $NGINX_PID, worker_processes $NGINX_WORKERS, sendfile $NGINX_SENDFILE, tcp_nopush $NGINX_NOPUSH): $NGINX_URL"

# ---------------------------------------------------------------- rawcache serve
"$ROOT/rawcache" serve --port 0 --cache "$TMP/bench.cache" --capacity 512m --files "$DATA" \
    > "$TMP/rawcache.log" 2>&1 &
RC_PID=$!
RC_URL=""
for (( i = 0; i < 9000; i++ )); do   # up to 15 minutes: ./rawcache builds first when the jars are stale
    RC_URL="$(sed -n 's|.*rawcache serve: listening on \(http://[^ ]*\)/ .*|\1|p' "$TMP/rawcache.log" | head -1)"
    [[ -n "$RC_URL" ]] && break
    kill -0 "$RC_PID" 2>/dev/null || { cat "$TMP/rawcache.log" >&2; RC_PID=""; die "rawcache serve exited"; }
    (( i % 300 == 299 )) && log "waiting for rawcache serve ($(tail -c 200 "$TMP/rawcache.log" | tail -1))"
    sleep 0.1
done
[[ -n "$RC_URL" ]] || die "rawcache serve did not print its URL (log: $TMP/rawcache.log)"
log "rawcache serve (pid $RC_PID): $RC_URL"

for s in 4k 64k 1m; do
    code="$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: application/octet-stream' \
        --data-binary "@$DATA/$s.bin" "$RC_URL/objects/$s")"
    [[ "$code" == 200 || "$code" == 201 || "$code" == 204 ]] || die "PUT $RC_URL/objects/$s answered $code"
done

url_of() {   # url_of <target> <size>
    case "$1" in
        nginx) printf '%s/%s.bin' "$NGINX_URL" "$2" ;;
        objects) printf '%s/objects/%s' "$RC_URL" "$2" ;;
        files) printf '%s/files/%s.bin' "$RC_URL" "$2" ;;
        ceiling) printf '%s/empty' "$NGINX_URL" ;;
    esac
}
verify_bodies() {   # verify_bodies <when>: every URL returns 200 and exactly the file's bytes
    local s t url code
    for s in 4k 64k 1m; do
        for t in nginx objects files; do
            url="$(url_of "$t" "$s")"
            code="$(curl -s -o "$TMP/body" -w '%{http_code}' "$url")" || die "curl $url failed ($1)"
            [[ "$code" == 200 ]] || die "GET $url answered $code ($1)"
            cmp -s "$TMP/body" "$DATA/$s.bin" || die "GET $url: body differs from $DATA/$s.bin ($1); reproduce: curl -s $url | cmp - <file>"
        done
    done
    log "verified ($1): 200 and byte-identical bodies for 4k, 64k, 1m on nginx, rawcache /objects and /files"
}
verify_bodies "before measuring"
for t in nginx objects; do
    curl -s -D - -o /dev/null "$(url_of "$t" 4k)" > "$TMP/headers-$t.txt"
done
hdr_nginx="$(wc -c < "$TMP/headers-nginx.txt")"
hdr_objects="$(wc -c < "$TMP/headers-objects.txt")"
curl -s -D - -o /dev/null "$(url_of files 4k)" > "$TMP/headers-files.txt"
hdr_files="$(wc -c < "$TMP/headers-files.txt")"

# ---------------------------------------------------------------- measuring
cpu_busy() {   # busy (user+nice+system+irq+softirq), total and steal jiffies of the machine
    awk '$1 == "cpu" { b = $2 + $3 + $4 + $7 + $8; t = 0; for (i = 2; i <= NF; i++) t += $i; print b, t, $9; exit }' /proc/stat
}
proc_ticks() {   # utime+stime of the given pids (whole processes, every thread)
    local pid line rest total=0 f
    for pid in "$@"; do
        line="$(cat "/proc/$pid/stat" 2>/dev/null)" || continue
        rest="${line##*) }"
        read -r -a f <<< "$rest"
        total=$(( total + f[11] + f[12] ))
    done
    printf '%d\n' "$total"
}
worker_ticks() {   # utime+stime of each nginx worker, space-separated
    local pid
    for pid in $(cat "/proc/$NGINX_PID/task/$NGINX_PID/children" 2>/dev/null || pgrep -P "$NGINX_PID" || true); do
        proc_ticks "$pid"
    done | tr '\n' ' '
}
nginx_pids() {
    local kids
    kids="$(cat "/proc/$NGINX_PID/task/$NGINX_PID/children" 2>/dev/null || pgrep -P "$NGINX_PID" || true)"
    printf '%s %s\n' "$NGINX_PID" "$kids"
}
wait_idle() {   # waits (up to IDLE_WAIT s) until the machine's busy CPU, sampled over 1 s, is below IDLE_LIMIT cores
    (( IDLE_WAIT > 0 )) || { IDLE_LOAD="-"; return 0; }
    local start=$SECONDS b0 t0 b1 t1 x load waited=0
    while :; do
        read -r b0 t0 x < <(cpu_busy)
        sleep 1
        read -r b1 t1 x < <(cpu_busy)
        load="$(awk -v b=$(( b1 - b0 )) -v t=$(( t1 - t0 )) -v n="$NCPU" 'BEGIN { printf "%.2f", (t > 0 ? b / t * n : 0) }')"
        IDLE_LOAD="$load"
        awk -v l="$load" -v m="$IDLE_LIMIT" 'BEGIN { exit !(l < m) }' && break
        if (( SECONDS - start >= IDLE_WAIT )); then
            log "  machine still busy ($load cores used by other processes); measuring anyway (flagged if it stays so)"
            break
        fi
        if (( ! waited )); then
            log "  machine busy ($load cores used by other processes); waiting up to ${IDLE_WAIT}s"
            waited=1
        fi
    done
    return 0
}
check_alive() {
    kill -0 "$RC_PID" 2>/dev/null || { tail -30 "$TMP/rawcache.log" >&2; RC_PID=""; die "rawcache serve died ($1); log above"; }
    kill -0 "$NGINX_PID" 2>/dev/null || { NGINX_PID=""; die "nginx died ($1)"; }
}
wrk_threads_for() { local c="$1"; (( WRK_THREADS < c )) && printf '%d' "$WRK_THREADS" || printf '%d' "$c"; }

# run_wrk <file> <seconds> <conns> <url>: runs wrk; prints wrk's own CPU ticks (user+sys)
run_wrk() {
    local file="$1" secs="$2" conns="$3" url="$4" threads line rest f
    threads="$(wrk_threads_for "$conns")"
    (
        set +e
        wrk -t"$threads" -c"$conns" -d"${secs}s" --latency "$url" > "$file" 2>&1
        echo "$?" > "$file.rc"
        read -r line < "/proc/$BASHPID/stat"
        rest="${line##*) }"
        read -r -a f <<< "$rest"
        echo $(( f[13] + f[14] ))
    )
}

RUNS="$TMP/runs.tsv"
printf 'size\tconns\ttarget\tround\trps\twire_mbps\tbytes_per_req\tp50_us\tp99_us\tserver_cpu\twrk_cpu\tforeign_cpu\tidle_before\tflags\tsteal_cpu\tnginx_worker_share\tkept\n' > "$RUNS"

# measure <size> <conns> <target> <round>
measure_once() {   # measure_once <size> <conns> <target> <round> <attempt>; sets LAST_SHARE
    local size="$1" conns="$2" target="$3" round="$4" url file spids b0 t0 st0 b1 t1 st1 s0 s1 wrkticks start end
    local w0="" w1="" share="-"
    url="$(url_of "$target" "$size")"
    file="$TMP/wrk/$target-$size-c$conns-r$round-a$5.txt"
    check_alive "before $target $size c$conns round $round"
    wait_idle
    if [[ "$target" == nginx || "$target" == ceiling ]]; then
        spids="$(nginx_pids)"; w0="$(worker_ticks)"
    else
        spids="$RC_PID"
    fi
    read -r b0 t0 st0 < <(cpu_busy)
    # shellcheck disable=SC2086
    s0="$(proc_ticks $spids)"
    start="$(date +%s.%N)"
    wrkticks="$(run_wrk "$file" "$DURATION" "$conns" "$url")"
    end="$(date +%s.%N)"
    # shellcheck disable=SC2086
    s1="$(proc_ticks $spids)"
    if [[ -n "$w0" ]]; then   # share of the busiest nginx worker in the workers' CPU time
        w1="$(worker_ticks)"
        share="$(awk -v a="$w0" -v b="$w1" 'BEGIN { n = split(a, x, " "); split(b, y, " "); t = 0; m = 0
            for (i = 1; i <= n; i++) { d = y[i] - x[i]; t += d; if (d > m) m = d }
            printf "%.2f", (t > 0 && n > 1 ? m / t : 1) }')"
    fi
    read -r b1 t1 st1 < <(cpu_busy)
    check_alive "after $target $size c$conns round $round"
    awk -v size="$size" -v conns="$conns" -v target="$target" -v round="$round" -v body="${BYTES[$size]:-0}" \
        -v rc="$(cat "$file.rc")" -v hz="$CLK_TCK" -v wall="$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" \
        -v sticks=$(( s1 - s0 )) -v wticks="$wrkticks" -v bticks=$(( b1 - b0 )) -v stticks=$(( st1 - st0 )) -v idle="$IDLE_LOAD" \
        -v limit="$IDLE_LIMIT" -v share="$share" -f /dev/fd/3 "$file" >> "$RUNS" 3<<'AWK'
function bin(v,   n, u) {   # wrk's binary units (1024) -> bytes
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    if (u == "KB") n *= 1024; else if (u == "MB") n *= 1048576; else if (u == "GB") n *= 1073741824
    else if (u == "TB") n *= 1099511627776
    return n
}
function us(v,   n, u) {   # wrk's time units -> microseconds
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    if (u == "ms") n *= 1000; else if (u == "s") n *= 1000000; else if (u == "m") n *= 60000000
    return n
}
/^Requests\/sec:/ { rps = $2 }
/^Transfer\/sec:/ { tps = bin($2) }
/requests in .*read/ { reqs = $1; readb = bin($5) }
/^ +50%/ { p50 = us($2) }
/^ +99%/ { p99 = us($2) }
/Non-2xx or 3xx responses:/ { non2xx = $NF }
/Socket errors:/ { sockerr = $0; sub(/.*Socket errors: */, "", sockerr); gsub(/,/, "", sockerr); gsub(/ /, "_", sockerr) }
END {
    flags = ""
    if (rc != 0 || rps == "") flags = flags "wrk-failed;"
    if (non2xx + 0 > 0) flags = flags "non2xx=" non2xx ";"
    if (sockerr != "") flags = flags "socket-errors=" sockerr ";"
    if (body > 0 && reqs > 0 && readb / reqs < body * 0.999) flags = flags "short-bodies;"
    server = sticks / hz / wall; wrk = wticks / hz / wall
    foreign = bticks / hz / wall - server - wrk
    if (foreign < 0) foreign = 0
    if (foreign >= limit) flags = flags "busy-machine;"
    steal = stticks / hz / wall
    if (steal >= limit) flags = flags "steal;"
    if (flags == "") flags = "-"
    printf "%s\t%s\t%s\t%s\t%.2f\t%.3f\t%.1f\t%.1f\t%.1f\t%.3f\t%.3f\t%.3f\t%s\t%s\t%.3f\t%s\t1\n", size, conns, target, round,
        rps + 0, tps / 1e6, (reqs > 0 ? readb / reqs : 0), p50, p99, server, wrk, foreign, idle, flags, steal, share
}
AWK
    tail -1 "$RUNS" | awk -F'\t' '{ printf "    %-8s %-4s c=%-3s round %s: %10.0f req/s %9.1f MB/s  p99 %8.0f us  cpu: server %.2f wrk %.2f other %.2f cores%s  %s\n",
        $3, $1, $2, $4, $5, $6, $9, $10, $11, $12, ($16 == "-" ? "" : sprintf(" (busiest nginx worker %.0f%%)", $16 * 100)),
        ($14 == "-" ? "" : "FLAGGED " $14) }' >&2
    LAST_SHARE="$share"
}

# measure <size> <conns> <target> <round>: one recorded run. nginx (more than one worker, more than one connection)
# is run again, up to NGINX_RETRIES times, when the kernel handed every connection to one worker: such runs are
# kept in runs.tsv with kept=0, counted in the CSV and left out of the medians.
measure() {
    local attempt
    for (( attempt = 0; ; attempt++ )); do
        measure_once "$@" "$attempt"
        if [[ "$LAST_SHARE" != - ]] && (( $2 > 1 && NGINX_NWORKERS > 1 && attempt < NGINX_RETRIES )) \
            && awk -v s="$LAST_SHARE" 'BEGIN { exit !(s >= 0.9) }'; then
            sed -i '$ s/\t1$/\t0/' "$RUNS"
            log "      one nginx worker served every connection: run not counted, measuring again"
            continue
        fi
        break
    done
}

warm() {   # warm <seconds> <conns> <url>
    (( $1 > 0 )) || return 0
    run_wrk "$TMP/wrk/warmup.txt" "$1" "$2" "$3" > /dev/null
    grep -q '^Requests/sec:' "$TMP/wrk/warmup.txt" || log "  warm-up of $3 failed: $(tail -3 "$TMP/wrk/warmup.txt" | tr '\n' ' ')"
}

started=$SECONDS
NGINX_NWORKERS="$(worker_ticks | wc -w)"
log "nginx runs $NGINX_NWORKERS worker process(es)"
max_conns=0; for c in $CONNS; do (( c > max_conns )) && max_conns=$c; done
log "JIT warm-up: ${JIT_WARMUP}s per rawcache URL (c=$max_conns), 1 s per nginx URL"
for s in 4k 64k 1m; do
    warm "$JIT_WARMUP" "$max_conns" "$(url_of objects "$s")"
    warm "$JIT_WARMUP" "$max_conns" "$(url_of files "$s")"
    warm 1 "$max_conns" "$(url_of nginx "$s")"
done

TARGETS=(nginx objects files)
ncases=0; for s in $SIZES; do for c in $CONNS; do ncases=$(( ncases + 1 )); done; done
case_no=0
for s in $SIZES; do
    for c in $CONNS; do
        case_no=$(( case_no + 1 ))
        log "case $case_no/$ncases: $s, $c connections, $(wrk_threads_for "$c") wrk threads (warm-up ${WARMUP}s per target)"
        for t in "${TARGETS[@]}"; do warm "$WARMUP" "$c" "$(url_of "$t" "$s")"; done
        for (( r = 1; r <= ROUNDS; r++ )); do
            for (( k = 0; k < 3; k++ )); do   # rotate the order each round: no target always goes first
                measure "$s" "$c" "${TARGETS[$(( (k + r - 1) % 3 ))]}" "$r"
            done
        done
    done
done
if (( CEILING )); then
    for c in $CONNS; do
        log "reference: nginx 'return 200' with no body, $c connections (request-rate ceiling of wrk + nginx here)"
        warm "$WARMUP" "$c" "$(url_of ceiling 4k)"
        for (( r = 1; r <= ROUNDS; r++ )); do measure 0 "$c" ceiling "$r"; done
    done
fi
verify_bodies "after measuring"
curl -s "$RC_URL/stats" > "$TMP/stats.json" || true
server_errors="$(grep -ciE 'exception|error' "$TMP/rawcache.log" || true)"
stat_of() { grep -o "\"$1\":[0-9]*" "$TMP/stats.json" 2>/dev/null | head -1 | cut -d: -f2; }
rc_stats="requests $(stat_of requests), 5xx $(stat_of responses_5xx), body_failures $(stat_of body_failures), cache io_errors $(stat_of io_errors), checksum_failures $(stat_of checksum_failures), misses $(stat_of misses)"
nginx_errors="$(grep -c '\[\(error\|crit\|alert\|emerg\)\]' "$TMP/nginx/error.log" 2>/dev/null || true)"
elapsed=$(( SECONDS - started ))

# ---------------------------------------------------------------- results
mkdir -p "$(dirname "$CSV")"
# per case x target: median/min/max over the rounds
awk -F'\t' -v rounds="$ROUNDS" -v dur="$DURATION" -v threads="$WRK_THREADS" -f /dev/fd/3 "$RUNS" > "$TMP/summary.csv" 3<<'AWK'
function med(list,   a, n, i, j, x) {   # median of a space-separated list
    n = split(list, a, " ")
    for (i = 2; i <= n; i++) { x = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function mn(list,   a, n, i, m) { n = split(list, a, " "); m = a[1] + 0; for (i = 2; i <= n; i++) if (a[i] + 0 < m) m = a[i] + 0; return m }
function mx(list,   a, n, i, m) { n = split(list, a, " "); m = a[1] + 0; for (i = 2; i <= n; i++) if (a[i] + 0 > m) m = a[i] + 0; return m }
NR > 1 && $17 == 0 {   # nginx runs where one worker got every connection: counted, not in the medians
    k = $1 SUBSEP $2 SUBSEP $3
    drop[k] = drop[k] " " $5
    next
}
NR > 1 {
    k = $1 SUBSEP $2 SUBSEP $3
    if (!(k in rps)) { order[++n] = k }
    rps[k] = rps[k] " " $5; mb[k] = mb[k] " " $6; bpr[k] = bpr[k] " " $7; p50[k] = p50[k] " " $8; p99[k] = p99[k] " " $9
    scpu[k] = scpu[k] " " $10; wcpu[k] = wcpu[k] " " $11; fcpu[k] = fcpu[k] " " $12; stl[k] = stl[k] " " $15
    if ($5 > 0) cpureq[k] = cpureq[k] " " ($10 * 1e6 / $5)
    if ($14 != "-") { flagged[k]++; fl[k] = fl[k] $3 "/r" $4 ":" $14 " " }
    if ($16 != "-" && $16 + 0 >= 0.9) onew[k]++
}
END {
    print "size,body_bytes,connections,target,wrk_threads,rounds,duration_s,rps_median,rps_min,rps_max," \
          "mbps_median,mbps_min,mbps_max,payload_mbps_median,bytes_per_response,p50_us_median,p99_us_median," \
          "server_cpu_cores_median,server_cpu_us_per_request_median,wrk_cpu_cores_median,other_cpu_cores_max," \
          "steal_cpu_cores_max,nginx_one_worker_runs,discarded_one_worker_runs,discarded_rps_median,runs_flagged,flags"
    for (i = 1; i <= n; i++) {
        k = order[i]; split(k, f, SUBSEP)
        body = f[1] == "4k" ? 4096 : f[1] == "64k" ? 65536 : f[1] == "1m" ? 1048576 : 0
        t = threads < f[2] ? threads : f[2]
        fls = fl[k]; gsub(/[ ,]+$/, "", fls); gsub(/,/, ";", fls)
        printf "%s,%d,%d,%s,%d,%d,%d,%.0f,%.0f,%.0f,%.1f,%.1f,%.1f,%.1f,%.0f,%.0f,%.0f,%.2f,%.1f,%.2f,%.2f,%.2f,%d,%d,%.0f,%d,%s\n",
            (f[1] == "0" ? "empty" : f[1]), body, f[2], (f[3] == "objects" ? "rawcache-objects" : f[3] == "files" ? \
            "rawcache-files" : f[3] == "ceiling" ? "nginx-return-200" : "nginx"), t, rounds, dur,
            med(rps[k]), mn(rps[k]), mx(rps[k]), med(mb[k]), mn(mb[k]), mx(mb[k]), med(rps[k]) * body / 1e6,
            med(bpr[k]), med(p50[k]), med(p99[k]), med(scpu[k]), ((k in cpureq) ? med(cpureq[k]) : 0), med(wcpu[k]),
            mx(fcpu[k]), mx(stl[k]), onew[k] + 0, ((k in drop) ? split(substr(drop[k], 2), tmp, " ") : 0),
            ((k in drop) ? med(drop[k]) : 0), flagged[k] + 0, (fls == "" ? "-" : fls)
    }
}
AWK
cp "$TMP/summary.csv" "$CSV"

# Markdown tables from the summary
TABLES="$(awk -F',' -f /dev/fd/3 "$TMP/summary.csv" 3<<'AWK'
function g(v,   s, neg) {   # 12345.6 -> 12,346
    s = sprintf("%.0f", v); out = ""
    while (length(s) > 3) { out = "," substr(s, length(s) - 2) out; s = substr(s, 1, length(s) - 3) }
    return s out
}
function mbf(v) { return v >= 100 ? sprintf("%.0f", v) : sprintf("%.1f", v) }
function fl(k,   s) {   # ⚠: a run was flagged; ‡: a counted run had one nginx worker serving every connection
    s = ""
    if ((k in flg) && flg[k] > 0) s = s " ⚠"
    if ((k in onew) && onew[k] > 0) s = s " ‡"
    return s
}
NR > 1 {
    k = $1 SUBSEP $3 SUBSEP $4
    rps[k] = $8; rmin[k] = $9; rmax[k] = $10; mb[k] = $11; mbmin[k] = $12; mbmax[k] = $13; p99[k] = $17
    keys[++nkeys] = k
    cpuus[k] = $19; scores[k] = $18; onew[k] = $23; ndrop[k] = $24; dropm[k] = $25; flg[k] = $26
    if ($4 == "nginx") { cases[++n] = $1 SUBSEP $3 }
    if ($4 == "nginx-return-200") { ceil[++m] = $3 }
}
END {
    print "| size | conns | nginx req/s | rawcache objects req/s (× nginx) | rawcache files req/s (× nginx) | nginx MB/s | objects MB/s | files MB/s |"
    print "|---|---:|---:|---:|---:|---:|---:|---:|"
    for (i = 1; i <= n; i++) {
        split(cases[i], c, SUBSEP); kn = cases[i] SUBSEP "nginx"; ko = cases[i] SUBSEP "rawcache-objects"; kf = cases[i] SUBSEP "rawcache-files"
        printf "| %s | %s | %s%s | %s (%.2f)%s | %s (%.2f)%s | %s | %s | %s |\n", c[1], c[2],
            g(rps[kn]), fl(kn), g(rps[ko]), (rps[kn] > 0 ? rps[ko] / rps[kn] : 0), fl(ko), g(rps[kf]),
            (rps[kn] > 0 ? rps[kf] / rps[kn] : 0), fl(kf), mbf(mb[kn]), mbf(mb[ko]), mbf(mb[kf])
    }
    print ""
    print "Min–max over the rounds, and the server's CPU per request (µs, all its threads, incl. kernel time in its context):"
    print ""
    print "| size | conns | nginx req/s | objects req/s | files req/s | CPU µs/req nginx / objects / files | p99 latency ms nginx / objects / files |"
    print "|---|---:|---:|---:|---:|---:|---:|"
    for (i = 1; i <= n; i++) {
        split(cases[i], c, SUBSEP); kn = cases[i] SUBSEP "nginx"; ko = cases[i] SUBSEP "rawcache-objects"; kf = cases[i] SUBSEP "rawcache-files"
        printf "| %s | %s | %s–%s | %s–%s | %s–%s | %.1f / %.1f / %.1f | %.2f / %.2f / %.2f |\n", c[1], c[2],
            g(rmin[kn]), g(rmax[kn]), g(rmin[ko]), g(rmax[ko]), g(rmin[kf]), g(rmax[kf]),
            cpuus[kn], cpuus[ko], cpuus[kf], p99[kn] / 1000, p99[ko] / 1000, p99[kf] / 1000
    }
    nd = 0
    for (i = 1; i <= nkeys; i++) if (ndrop[keys[i]] > 0) nd++
    if (nd > 0) {
        print ""
        print "Discarded nginx runs (one worker got every connection; measured again):"
        print ""
        print "| size | conns | target | runs discarded | their median req/s | counted median req/s |"
        print "|---|---:|---|---:|---:|---:|"
        for (i = 1; i <= nkeys; i++) {
            k = keys[i]; if (ndrop[k] == 0) continue
            split(k, c, SUBSEP)
            printf "| %s | %s | %s | %d | %s | %s |\n", c[1], c[2], c[3], ndrop[k], g(dropm[k]), g(rps[k])
        }
    }
    if (m > 0) {
        print ""
        print "Reference, nginx `return 200` with an empty body (no file, no sendfile): the request-rate ceiling of wrk + nginx here:"
        print ""
        print "| conns | req/s (min–max) | nginx CPU µs/req |"
        print "|---:|---:|---:|"
        for (i = 1; i <= m; i++) {
            k = "empty" SUBSEP ceil[i] SUBSEP "nginx-return-200"
            printf "| %s | %s (%s–%s)%s | %.1f |\n", ceil[i], g(rps[k]), g(rmin[k]), g(rmax[k]), fl(k), cpuus[k]
        }
    }
}
AWK
)"
flagged_total="$(awk -F'\t' 'NR > 1 && $14 != "-"' "$RUNS" | wc -l)"

REPORT="$(cat <<EOF
## HTTP benchmark: rawcache serve vs nginx (wrk, loopback)

Command: \`./rawcache bench-http$ARGS_GIVEN\` (= \`bash cache-bench/http/bench-http.sh$ARGS_GIVEN\`):
$ROUNDS round(s) x ${DURATION}s per case and target (targets alternate, order rotated each round), warm-up ${WARMUP}s per
target per case, JIT warm-up ${JIT_WARMUP}s per rawcache URL; wrk -t$WRK_THREADS (capped at the connections) --latency;
total ${elapsed}s.

$MACHINE

nginx: worker_processes $NGINX_WORKERS, sendfile $NGINX_SENDFILE, tcp_nopush $NGINX_NOPUSH, access_log off, keepalive_requests 100000,
open_file_cache; response headers $hdr_nginx bytes. rawcache serve: Netty NIO, default worker threads (2 x $NCPU cores),
--capacity 512m; response headers $hdr_objects bytes (objects), $hdr_files bytes (files).

Median of the rounds. MB/s = wrk's Transfer/sec (bytes read, headers included) in 10^6 bytes/s. ⚠ = at least one
run flagged (wrk errors, non-2xx, short bodies or other load on the machine); runs flagged: $flagged_total.
nginx runs in which one worker did >= 90 % of nginx's work (the kernel gave it every connection) are run again
(up to $NGINX_RETRIES times) and left out of the medians: see "discarded" below; ‡ = a counted run still had that.

$TABLES

Checks: bodies byte-identical (cmp) on all three URLs per size before and after measuring; rawcache log lines matching
exception/error: $server_errors; nginx error.log errors: ${nginx_errors:-0}; rawcache /stats after the run: $rc_stats.
EOF
)"
[[ -n "$OUT" ]] || OUT="$TMP/results.md"
mkdir -p "$(dirname "$OUT")"
{
    printf '%s\n\n' "$REPORT"
    printf 'rawcache /stats after the run:\n\n```json\n%s\n```\n' "$(cat "$TMP/stats.json" 2>/dev/null)"
} > "$OUT"

printf '\n%s\n\n' "$REPORT"
log "CSV: $CSV"
if [[ "$OUT" == "$TMP"/* ]] && (( ! KEEP )); then
    log "report: printed above (the temp dir is removed; use --out FILE or --keep to keep it)"
else
    log "report: $OUT"
fi
if (( flagged_total > 0 )); then
    log "$flagged_total run(s) flagged:"
    awk -F'\t' 'NR > 1 && $14 != "-" { printf "  %s %s c=%s round %s: %s\n", $3, $1, $2, $4, $14 }' "$RUNS" >&2
fi
