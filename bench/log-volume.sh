#!/bin/bash
# Usage: bench/log-volume.sh [seconds] [log_level]
# Log volume of a Production run: DevRedis (Garnet), the CT log simulator (4 logs x 125 entries/s),
# one ingestor and one gateway from their build outputs (CONFIGURATION=Debug|Release; build first),
# Kubernetes-like probes and scrapes every second, one long-lived SSE client and one short SSE
# connection a second. Prints the lines each service wrote during the window (after startup).
# Loopback only, free ports, every process stopped by its PID.
set -u
DUR=${1:-120}; LVL=${2:-}
ROOT=$(cd "$(dirname "$0")/.." && pwd); B=$ROOT; C=${CONFIGURATION:-Debug}
D=$(mktemp -d /tmp/certstream-log-volume.XXXX)
freeport() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
RP=$(freeport); SP=$(freeport); IP=$(freeport); GP=$(freeport); TP=$(freeport)
dotnet $B/CertStream.DevRedis/bin/$C/net10.0/CertStream.DevRedis.dll --port $RP > $D/redis.log 2>&1 & R=$!
ASPNETCORE_URLS=http://127.0.0.1:$SP dotnet $B/CertStream.CtLogSimulator/bin/$C/net10.0/CertStream.CtLogSimulator.dll \
  --Simulator:EntriesPerSecond=125 --Simulator:InitialSize=1000 --Logging:LogLevel:Default=Warning > $D/sim.log 2>&1 & S=$!
sleep 5
export ConnectionStrings__redis=127.0.0.1:$RP
[ -n "$LVL" ] && export CERTSTREAM_LOG_LEVEL=$LVL
cd $D # no config.yaml here; started directly so that $! is the service's own PID
ASPNETCORE_URLS=http://127.0.0.1:$IP CERTSTREAM_CT_LOGS_URL=http://127.0.0.1:$SP/log_list.json \
  dotnet $B/CertStream.Ingestor/bin/$C/net10.0/CertStream.Ingestor.dll > $D/ingestor.out 2> $D/ingestor.err & I=$!
CERTSTREAM_HOST=127.0.0.1 CERTSTREAM_PORT=$GP CERTSTREAM_SSE_ENABLED=true CERTSTREAM_TCP_ENABLED=true CERTSTREAM_TCP_PORT=$TP \
  dotnet $B/CertStream.Gateway/bin/$C/net10.0/CertStream.Gateway.dll > $D/gateway.out 2> $D/gateway.err & G=$!
sleep 15
START=$(date +%s)
I0=$(wc -l < $D/ingestor.out); G0=$(wc -l < $D/gateway.out)
# probes and scrapes as Kubernetes/Prometheus would, a long-lived SSE client, and connection churn
curl -sN http://127.0.0.1:$GP/sse > $D/sse.data 2>/dev/null & C1=$!
while [ $(( $(date +%s) - START )) -lt $DUR ]; do
  curl -s -o /dev/null http://127.0.0.1:$IP/health; curl -s -o /dev/null http://127.0.0.1:$IP/metrics
  curl -s -o /dev/null http://127.0.0.1:$GP/health; curl -s -o /dev/null http://127.0.0.1:$GP/metrics
  curl -s -o /dev/null --max-time 1 http://127.0.0.1:$GP/sse
  sleep 1
done
kill $C1
echo "dir=$D window=${DUR}s sse_bytes=$(wc -c < $D/sse.data) sse_events=$(grep -c '^data:' $D/sse.data)"
echo "ingestor: startup lines=$I0, lines in window=$(( $(wc -l < $D/ingestor.out) - I0 )), stderr=$(wc -l < $D/ingestor.err)"
echo "gateway: startup lines=$G0, lines in window=$(( $(wc -l < $D/gateway.out) - G0 )), stderr=$(wc -l < $D/gateway.err)"
curl -s http://127.0.0.1:$IP/metrics | grep -E '^certstream_ingestor_(entries|published)[a-z_]*total' | head -8
kill $I $G; wait $I $G 2>/dev/null; kill $S $R; wait 2>/dev/null
