#!/usr/bin/env bash
# The README's measurement in one go: a private redis-server and a Release gateway on loopback,
# the load tool against them, then both stopped by PID. Extra arguments go to the load tool.
# Usage: bench/CertStream.LoadTool/run.sh [--clients 1000 --rate 500 --duration 30]
set -euo pipefail
cd "$(dirname "$0")/../.."
REDIS_PORT=${REDIS_PORT:-6390}
GATEWAY_PORT=${GATEWAY_PORT:-8080}

dotnet build CertStream.Gateway -c Release -nologo -clp:ErrorsOnly
dotnet build bench/CertStream.LoadTool -c Release -nologo -clp:ErrorsOnly

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize no > /dev/null &
redis_pid=$!
for _ in $(seq 100); do
  redis-cli -p "$REDIS_PORT" ping > /dev/null 2>&1 && break
  sleep 0.05
done
(cd CertStream.Gateway/bin/Release/net10.0 &&
  CERTSTREAM_HOST=127.0.0.1 CERTSTREAM_PORT="$GATEWAY_PORT" ConnectionStrings__redis="127.0.0.1:$REDIS_PORT" \
  Logging__LogLevel__Default=Warning exec dotnet CertStream.Gateway.dll) &
gateway_pid=$!
trap 'kill "$gateway_pid" "$redis_pid" 2>/dev/null; wait "$gateway_pid" "$redis_pid" 2>/dev/null || true' EXIT

for _ in $(seq 100); do
  curl -fs "http://127.0.0.1:$GATEWAY_PORT/health" > /dev/null && break
  sleep 0.1
done

echo "redis-server pid $redis_pid, gateway pid $gateway_pid, load average $(cut -d' ' -f1-3 /proc/loadavg)"
DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 dotnet bench/CertStream.LoadTool/bin/Release/net10.0/CertStream.LoadTool.dll \
  --url "ws://127.0.0.1:$GATEWAY_PORT/" --redis "127.0.0.1:$REDIS_PORT" --pid "$gateway_pid" \
  --clients 1000 --rate 500 --warmup 5 --duration 30 "$@"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
