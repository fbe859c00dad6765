#!/usr/bin/env bash
# One fan-out measurement (issue 12): published Release builds on loopback, the servers pinned to
# one set of cores and the load tool (and the CT log simulator) to another, so that the CPU the
# tool reports per delivered message is the servers' own. What runs:
#   redis-server (private, no persistence); GATEWAYS Release gateways; with PROXY=1 the YARP proxy
#   in front of them; with INGESTOR=1 the CT log simulator (RATE certificates/s, on the tool's
#   cores) and one ingestor feeding Redis (the tool then counts what the ingestor publishes),
#   otherwise the tool publishes RATE lite messages/s itself.
# Every process it starts is stopped by PID on exit. Extra arguments go to the load tool
# (see `bench/CertStream.LoadTool` --help for the reader options).
# Usage: [CLIENTS=1000 RATE=500 GATEWAYS=1 PROXY=0 INGESTOR=0 SERVER_CPUS=0 TOOL_CPUS=1 DURATION=30]
#        bench/measure.sh [load tool options]
# GATEWAY_ENV="gateway__flush_interval_ms=25 ..." passes settings to every gateway.
# GATEWAY_AOT=1 publishes and runs the gateway compiled with Native AOT (README, "Native AOT"; needs
# clang: CPP_COMPILER=clang-14 where only a versioned clang is installed).
set -euo pipefail
cd "$(dirname "$0")/.."

CLIENTS=${CLIENTS:-1000}
RATE=${RATE:-500}
GATEWAYS=${GATEWAYS:-1}
PROXY=${PROXY:-0}
INGESTOR=${INGESTOR:-0}
SERVER_CPUS=${SERVER_CPUS:-0}
TOOL_CPUS=${TOOL_CPUS:-1}
DURATION=${DURATION:-30}
WARMUP=${WARMUP:-10}
OUT=${OUT:-/tmp/certstream-measure}
GATEWAY_AOT=${GATEWAY_AOT:-0}
work=$(mktemp -d /tmp/certstream-measure.XXXXXX)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

if [[ ${SKIP_PUBLISH:-0} != 1 ]]; then
  for project in CertStream.Gateway CertStream.Proxy CertStream.Ingestor CertStream.CtLogSimulator bench/CertStream.LoadTool; do
    dotnet publish "$project" -c Release -o "$OUT/$(basename "$project")" -nologo -clp:ErrorsOnly > /dev/null
  done
  if [[ $GATEWAY_AOT == 1 ]]; then
    dotnet publish CertStream.Gateway -c Release -r linux-x64 -p:PublishAot=true -p:CppCompilerAndLinker="${CPP_COMPILER:-clang}" \
      -o "$OUT/CertStream.Gateway.aot" -nologo -clp:ErrorsOnly > /dev/null
  fi
fi
gateway_command=(dotnet "$OUT/CertStream.Gateway/CertStream.Gateway.dll")
[[ $GATEWAY_AOT == 1 ]] && gateway_command=("$OUT/CertStream.Gateway.aot/CertStream.Gateway")

pids=()
names=()
cleanup() {
  for (( i = ${#pids[@]} - 1; i >= 0; i-- )); do
    kill "${pids[$i]}" 2>/dev/null || true
    wait "${pids[$i]}" 2>/dev/null || true
  done
  echo "stopped: ${names[*]} (pids ${pids[*]}); logs in $work"
}
trap cleanup EXIT
started() { pids+=("$1"); names+=("$2"); }
wait_http() {
  for _ in $(seq 600); do curl -fs "$1" > /dev/null 2>&1 && return 0; sleep 0.1; done
  echo "no answer from $1" >&2; return 1
}

redis_port=$(free_port)
taskset -c "$SERVER_CPUS" redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no > "$work/redis.log" 2>&1 &
redis_pid=$!
started "$redis_pid" redis
for _ in $(seq 100); do redis-cli -p "$redis_port" ping > /dev/null 2>&1 && break; sleep 0.05; done
watch=(--watch "redis=$redis_pid")

urls=()
gateway_addresses=()
for g in $(seq "$GATEWAYS"); do
  port=$(free_port)
  # shellcheck disable=SC2086 # GATEWAY_ENV is a list of NAME=VALUE words
  env ConnectionStrings__redis="127.0.0.1:$redis_port" CERTSTREAM_HOST=127.0.0.1 CERTSTREAM_PORT="$port" \
    CERTSTREAM_TCP_PORT="$(free_port)" Logging__LogLevel__Default=Warning ${GATEWAY_ENV:-} \
    taskset -c "$SERVER_CPUS" "${gateway_command[@]}" > "$work/gateway-$g.log" 2>&1 &
  gateway_pid=$!
  started "$gateway_pid" "gateway-$g"
  watch+=(--watch "gateway-$g=$gateway_pid")
  wait_http "http://127.0.0.1:$port/health"
  urls+=("ws://127.0.0.1:$port/")
  gateway_addresses+=("http://127.0.0.1:$port")
done
url=$(IFS=,; echo "${urls[*]}")

if [[ $PROXY == 1 ]]; then
  proxy_port=$(free_port)
  proxy_env=()
  for i in "${!gateway_addresses[@]}"; do proxy_env+=("Proxy__Gateways__$i=${gateway_addresses[$i]}"); done
  env "${proxy_env[@]}" ASPNETCORE_URLS="http://127.0.0.1:$proxy_port" Logging__LogLevel__Default=Warning ${PROXY_ENV:-} \
    taskset -c "$SERVER_CPUS" dotnet "$OUT/CertStream.Proxy/CertStream.Proxy.dll" > "$work/proxy.log" 2>&1 &
  proxy_pid=$!
  started "$proxy_pid" proxy
  watch+=(--watch "proxy=$proxy_pid")
  wait_http "http://127.0.0.1:$proxy_port/health"
  url="ws://127.0.0.1:$proxy_port/"
fi

rate=$RATE
if [[ $INGESTOR == 1 ]]; then
  sim_port=$(free_port)
  (cd "$OUT/CertStream.CtLogSimulator" && exec taskset -c "$TOOL_CPUS" dotnet CertStream.CtLogSimulator.dll --urls "http://127.0.0.1:$sim_port" \
    --Simulator:Rfc6962Logs=1 --Simulator:TiledLogs=0 --Simulator:InitialSize=1000 --Simulator:TreeHeadIntervalMs=1000 \
    --Simulator:EntriesPerSecond="$RATE") > "$work/simulator.log" 2>&1 &
  started $! simulator
  wait_http "http://127.0.0.1:$sim_port/log_list.json"
  ingestor_port=$(free_port)
  env ConnectionStrings__redis="127.0.0.1:$redis_port" CERTSTREAM_CT_LOGS_URL="http://127.0.0.1:$sim_port/log_list.json" \
    CERTSTREAM_INGESTOR_HOST=127.0.0.1 CERTSTREAM_INGESTOR_PORT="$ingestor_port" Logging__LogLevel__Default=Warning \
    taskset -c "$SERVER_CPUS" dotnet "$OUT/CertStream.Ingestor/CertStream.Ingestor.dll" > "$work/ingestor.log" 2>&1 &
  ingestor_pid=$!
  started "$ingestor_pid" ingestor
  watch+=(--watch "ingestor=$ingestor_pid")
  wait_http "http://127.0.0.1:$ingestor_port/health"
  rate=0
fi

echo "ulimit -n $(ulimit -n); servers on CPUs $SERVER_CPUS, load tool on CPUs $TOOL_CPUS; ${names[*]} (pids ${pids[*]})"
DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 DOTNET_gcServer=0 taskset -c "$TOOL_CPUS" dotnet "$OUT/CertStream.LoadTool/CertStream.LoadTool.dll" \
  --url "$url" --redis "127.0.0.1:$redis_port" "${watch[@]}" \
  --clients "$CLIENTS" --rate "$rate" --warmup "$WARMUP" --duration "$DURATION" "$@"
