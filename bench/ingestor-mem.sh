#!/usr/bin/env bash
# Ingestor memory and CPU per certificate (not in CI). Starts a private redis-server, the CT log
# simulator serving as many logs as the real v3 list has usable ones (27 RFC 6962 + 21 tiled, see
# CertStream.Tests/TestData/LogList) at RATE certificates/s in total, and one ingestor from a
# `dotnet publish -c Release` output. Then two windows:
#   1. following the tips for WINDOW s: peak/end RSS, CPU (user+sys from /proc/<pid>/stat) per published entry;
#   2. if BACKLOG > 0: every log grows by BACKLOG entries at once (backdated 10 minutes, so that the
#      catch-up streams them rather than skipping them) and the ingestor is watched for BACKLOG_WINDOW s.
# Prints the load average with each figure (the machine is shared). Everything started is stopped by PID.
# Usage: bench/ingestor-mem.sh INGESTOR_PUBLISH_DIR SIMULATOR_PUBLISH_DIR
#   env: RFC6962_LOGS=27 TILED_LOGS=21 RATE=2400 WARMUP=30 WINDOW=60 BACKLOG=0 BACKLOG_WINDOW=90
#        INGESTOR_ENV="DOTNET_gcServer=1 ..." (extra environment for the ingestor, e.g. GC settings to compare)
# Publish first, e.g.:
#   dotnet publish CertStream.Ingestor -c Release -o /tmp/ing && dotnet publish CertStream.CtLogSimulator -c Release -o /tmp/sim
set -euo pipefail
ING=$(cd "${1:?ingestor publish dir}" && pwd)
SIM=$(cd "${2:?simulator publish dir}" && pwd)
RFC=${RFC6962_LOGS:-27}; TILED=${TILED_LOGS:-21}; RATE=${RATE:-2400}
WARMUP=${WARMUP:-30}; WINDOW=${WINDOW:-60}; BACKLOG=${BACKLOG:-0}; BACKLOG_WINDOW=${BACKLOG_WINDOW:-90}
work=$(mktemp -d /tmp/certstream-ingestor-mem.XXXXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

pids=()
cleanup() {
  for (( i = ${#pids[@]} - 1; i >= 0; i-- )); do kill "${pids[$i]}" 2>/dev/null || true; wait "${pids[$i]}" 2>/dev/null || true; done
  echo "logs in $work"
}
trap cleanup EXIT
wait_http() { for _ in $(seq 600); do curl -fs "$1" > /dev/null 2>&1 && return 0; sleep 0.1; done; echo "no answer from $1" >&2; return 1; }

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no > "$work/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do redis-cli -p "$redis_port" ping > /dev/null 2>&1 && break; sleep 0.05; done

sim_port=$(free_port)
per_log=$(python3 -c "print($RATE / ($RFC + $TILED))")
(cd "$SIM" && exec dotnet CertStream.CtLogSimulator.dll --urls "http://127.0.0.1:$sim_port" --Logging:LogLevel:Default=Warning \
  --Simulator:Rfc6962Logs="$RFC" --Simulator:TiledLogs="$TILED" --Simulator:InitialSize=1000 --Simulator:TreeHeadIntervalMs=1000 \
  --Simulator:ControlApi=true --Simulator:EntriesPerSecond="$per_log") > "$work/simulator.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$sim_port/log_list.json"

ing_port=$(free_port)
(cd "$work" && env ConnectionStrings__redis="127.0.0.1:$redis_port" CERTSTREAM_CT_LOGS_URL="http://127.0.0.1:$sim_port/log_list.json" \
  CERTSTREAM_INGESTOR_HOST=127.0.0.1 CERTSTREAM_INGESTOR_PORT="$ing_port" ${INGESTOR_ENV:-} \
  dotnet "$ING/CertStream.Ingestor.dll") > "$work/ingestor.log" 2>&1 &
ing=$!
pids+=("$ing")
wait_http "http://127.0.0.1:$ing_port/health"

ticks=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$ing/stat"; }
rss_mb() { awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$ing/status"; }
published() { curl -fs "http://127.0.0.1:$ing_port/metrics" | awk '/^certstream_ingestor_entries_published_total/ { s += $NF } END { printf "%d", s }'; }

# One window: RSS sampled every second; prints peak and end RSS, entries/s and CPU µs per entry.
measure() {
  local label=$1 seconds=$2 peak=0 rss c0 c1 p0 p1 load0
  load0=$(cut -d' ' -f1-3 /proc/loadavg); c0=$(cpu_ticks); p0=$(published)
  for _ in $(seq "$seconds"); do
    sleep 1
    rss=$(rss_mb); (( rss > peak )) && peak=$rss
  done
  c1=$(cpu_ticks); p1=$(published)
  # RssFile is mostly the framework's mapped assemblies (shared by every .NET process on the host),
  # RssShmem the JIT's code (double-mapped); RssAnon is the process's own memory, the GC heap first.
  grep -E '^Rss(Anon|File|Shmem)' "/proc/$ing/status" | awk '{ printf "%s %.0f MB  ", $1, $2 / 1024 } END { print "" }'
  # Where the resident pages are, by mapping (/proc/<pid>/smaps): the GC heap and native allocations
  # are anonymous; JIT'd code is the doublemapper's shared memory (mapped twice with W^X on).
  python3 - "$ing" <<'SMAPS'
import collections, re, sys
rss = collections.Counter(); kind = None
for line in open(f"/proc/{sys.argv[1]}/smaps"):
    f = line.split()
    if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
        name = f[5] if len(f) > 5 else ""
        kind = ("framework .dll" if name.endswith(".dll") and "/shared/" in name else "app .dll" if name.endswith(".dll")
                else "native .so" if ".so" in name else "JIT code (doublemapper)" if "doublemapper" in name
                else "anonymous (GC heap, native)" if name in ("", "[heap]") else "other")
    elif f[0] == "Rss:":
        rss[kind] += int(f[1])
print("  by mapping: " + ", ".join(f"{k} {v / 1024:.0f} MB" for k, v in rss.most_common()))
SMAPS
  python3 - "$label" "$seconds" "$peak" "$rss" "$c0" "$c1" "$p0" "$p1" "$ticks" "$load0" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'EOF'
import sys
label, secs, peak, end, c0, c1, p0, p1, ticks, l0, l1 = sys.argv[1:]
n = int(p1) - int(p0); cpu = (int(c1) - int(c0)) / int(ticks)
per = f"{cpu / n * 1e6:.1f} µs" if n else "n/a"
print(f"{label}: {secs} s, RSS peak {peak} MB end {end} MB, published {n} ({n / int(secs):.0f}/s), "
      f"CPU {cpu:.2f} s ({100 * cpu / int(secs):.0f} % of a core) = {per} per entry, load {l0} -> {l1}")
EOF
}

echo "ingestor pid $ing, $((RFC + TILED)) logs, $RATE entries/s in total (${per_log}/s each), warm-up ${WARMUP} s"
sleep "$WARMUP"
measure "following" "$WINDOW"
if (( BACKLOG > 0 )); then
  curl -fs -X POST "http://127.0.0.1:$sim_port/control/logs/*/grow?count=$BACKLOG&backdate_secs=600" > /dev/null
  measure "catching up $BACKLOG entries on each log" "$BACKLOG_WINDOW"
fi
grep -c '"LogLevel":"Error"\|fail:' "$work/ingestor.log" | sed 's/^/ingestor error lines: /' || true
