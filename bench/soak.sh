#!/usr/bin/env bash
# Soak run (not in CI): the whole system as processes on loopback for a while, printing each process's
# RSS and CPU every 30 s, so that growth after warm-up shows. What runs:
#   redis-server (private, no persistence), the CT log simulator (4 logs x 250 = 1,000 certificates/s),
#   one ingestor, one gateway, and bench/CertStream.LoadTool with 500 WebSocket clients on the lite
#   stream (--rate 0: they read what the ingestor publishes; the tool publishes nothing itself).
# Everything it starts is stopped by PID on exit (also on Ctrl+C).
# Usage: bench/soak.sh [duration seconds, default 600] ; CLIENTS=500 RATE=1000 INTERVAL=30 override.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${1:-600}
CLIENTS=${CLIENTS:-500}
RATE=${RATE:-1000}
INTERVAL=${INTERVAL:-30}
LOGS=4
work=$(mktemp -d /tmp/certstream-soak.XXXXXX)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

for project in CertStream.CtLogSimulator CertStream.Ingestor CertStream.Gateway bench/CertStream.LoadTool; do
  dotnet build "$project" -c Release -nologo -clp:ErrorsOnly
done

pids=()
names=()
cleanup() {
  # Last started first, each waited for: the ingestor stops while Redis is still there.
  for (( i = ${#pids[@]} - 1; i >= 0; i-- )); do
    kill "${pids[$i]}" 2>/dev/null || true
    wait "${pids[$i]}" 2>/dev/null || true
  done
  echo "stopped: ${names[*]} (pids ${pids[*]}); logs in $work"
}
trap cleanup EXIT

started() { pids+=("$1"); names+=("$2"); echo "$2 pid $1"; }

wait_http() {
  for _ in $(seq 600); do curl -fs "$1" > /dev/null 2>&1 && return 0; sleep 0.1; done
  echo "no answer from $1" >&2; return 1
}

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no > "$work/redis.log" 2>&1 &
started $! redis-server
for _ in $(seq 100); do redis-cli -p "$redis_port" ping > /dev/null 2>&1 && break; sleep 0.05; done

sim_port=$(free_port)
(cd CertStream.CtLogSimulator/bin/Release/net10.0 && exec dotnet CertStream.CtLogSimulator.dll --urls "http://127.0.0.1:$sim_port" \
  --Simulator:Rfc6962Logs=2 --Simulator:TiledLogs=2 --Simulator:InitialSize=1000 --Simulator:TreeHeadIntervalMs=1000 \
  --Simulator:EntriesPerSecond=$(python3 -c "print($RATE / $LOGS)")) > "$work/simulator.log" 2>&1 &
started $! simulator
wait_http "http://127.0.0.1:$sim_port/log_list.json"

ingestor_port=$(free_port)
(cd CertStream.Ingestor/bin/Release/net10.0 && ConnectionStrings__redis="127.0.0.1:$redis_port" \
  CERTSTREAM_CT_LOGS_URL="http://127.0.0.1:$sim_port/log_list.json" CERTSTREAM_INGESTOR_HOST=127.0.0.1 CERTSTREAM_INGESTOR_PORT="$ingestor_port" \
  exec dotnet CertStream.Ingestor.dll) > "$work/ingestor.log" 2>&1 &
started $! ingestor
wait_http "http://127.0.0.1:$ingestor_port/health"

gateway_port=$(free_port)
gateway_tcp_port=$(free_port)
(cd CertStream.Gateway/bin/Release/net10.0 && ConnectionStrings__redis="127.0.0.1:$redis_port" \
  CERTSTREAM_HOST=127.0.0.1 CERTSTREAM_PORT="$gateway_port" CERTSTREAM_TCP_PORT="$gateway_tcp_port" \
  exec dotnet CertStream.Gateway.dll) > "$work/gateway.log" 2>&1 &
gateway_pid=$!
started "$gateway_pid" gateway
wait_http "http://127.0.0.1:$gateway_port/health"

DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 dotnet bench/CertStream.LoadTool/bin/Release/net10.0/CertStream.LoadTool.dll \
  --url "ws://127.0.0.1:$gateway_port/" --redis "127.0.0.1:$redis_port" --pid "$gateway_pid" \
  --clients "$CLIENTS" --rate 0 --warmup 0 --duration "$DURATION" --drain 1 > "$work/loadtool.log" 2>&1 &
started $! loadtool

# RSS (MB) and CPU (% of one core over the last interval) per process, from /proc.
ticks=$(getconf CLK_TCK)
declare -A last_cpu
cpu_of() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
rss_of() { awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo -; }
for i in "${!pids[@]}"; do last_cpu[$i]=$(cpu_of "${pids[$i]}"); done

printf '%8s' "t(s)"; for name in "${names[@]}"; do printf '  %22s' "$name RSS MB / CPU %"; done; echo
start=$SECONDS
while (( SECONDS - start < DURATION )); do
  sleep "$INTERVAL"
  printf '%8d' $(( SECONDS - start ))
  for i in "${!pids[@]}"; do
    pid=${pids[$i]}
    if [[ ! -d /proc/$pid ]]; then printf '  %22s' "exited"; continue; fi
    now=$(cpu_of "$pid")
    cpu=$(python3 -c "print(f'{100 * ($now - ${last_cpu[$i]}) / $ticks / $INTERVAL:.0f}')")
    last_cpu[$i]=$now
    printf '  %22s' "$(rss_of "$pid") / $cpu"
  done
  echo "   load $(cut -d' ' -f1 /proc/loadavg), published $(curl -fs "http://127.0.0.1:$ingestor_port/metrics" | awk '/^certstream_ingestor_entries_published_total/ { s += $NF } END { print s + 0 }')"
done

echo "--- load tool ---"
for _ in $(seq 100); do grep -q '^load tool CPU' "$work/loadtool.log" && break; sleep 0.2; done
cat "$work/loadtool.log"
echo "--- log lines written: ingestor $(wc -l < "$work/ingestor.log"), gateway $(wc -l < "$work/gateway.log")"
