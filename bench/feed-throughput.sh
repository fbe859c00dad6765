#!/bin/bash
# Usage: bench/feed-throughput.sh on|off [entries_per_log] [ingestor_dir]
# The ingestor's cost per entry, with the durable feed on (certificates confirmed by RabbitMQ per
# second of ingestor CPU = per core) or off (CPU per entry of the live path alone). A private
# redis-server and rabbitmq-server (own node, data folder, free ports, own epmd), the CT log simulator
# (1 RFC 6962 + 1 tiled log) and one ingestor from its build output (CONFIGURATION, default Release;
# ingestor_dir overrides its folder, e.g. a build of another commit). The ingestor starts at the tip,
# then each log grows by entries_per_log at once (catch-up unpaced); the window runs from the growth
# until every entry is published (off) or confirmed (on). CPU is utime+stime of the ingestor's PID
# (/proc/PID/stat). Loopback only, free ports, every process stopped by its PID.
set -u
MODE=${1:?on or off}; N=${2:-20000}
ROOT=$(cd "$(dirname "$0")/.." && pwd); C=${CONFIGURATION:-Release}
IDIR=${3:-$ROOT/CertStream.Ingestor/bin/$C/net10.0}
D=$(mktemp -d /tmp/certstream-feed-bench.XXXX)
freeport() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
metric() { curl -s http://127.0.0.1:$IP/metrics | awk -v m="$1" '$1 ~ "^"m"({|$)" { s += $2 } END { printf "%d\n", s }'; }
cpu() { awk '{ print $14 + $15 }' /proc/$1/stat; }
RP=$(freeport); SP=$(freeport); IP=$(freeport); AP=$(freeport); DP=$(freeport); EP=$(freeport)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$D"; }
trap cleanup EXIT

redis-server --port $RP --bind 127.0.0.1 --save "" --appendonly no --daemonize no > $D/redis.log 2>&1 & PIDS+=($!)
ASPNETCORE_URLS=http://127.0.0.1:$SP dotnet $ROOT/CertStream.CtLogSimulator/bin/${SIM_CONFIGURATION:-Debug}/net10.0/CertStream.CtLogSimulator.dll \
  --Simulator:ControlApi=true --Simulator:UseRecordedEntries=false --Simulator:Rfc6962Logs=1 --Simulator:TiledLogs=1 \
  --Simulator:EntriesPerSecond=0 --Simulator:InitialSize=1000 --Logging:LogLevel:Default=Warning > $D/sim.log 2>&1 & PIDS+=($!)
FEED_ENV=()
if [ "$MODE" = on ]; then
  mkdir -p $D/rabbit/{mnesia,log,home}; echo "[]." > $D/rabbit/enabled_plugins; : > $D/rabbit/env.conf
  printf 'listeners.tcp.1 = 127.0.0.1:%s\ndisk_free_limit.absolute = 1MB\n' $AP > $D/rabbit/rabbitmq.conf
  RENV=(HOME=$D/rabbit/home RABBITMQ_NODENAME=bench$AP@localhost RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT=$AP
    RABBITMQ_DIST_PORT=$DP ERL_EPMD_PORT=$EP ERL_EPMD_ADDRESS=127.0.0.1 RABBITMQ_MNESIA_BASE=$D/rabbit/mnesia
    RABBITMQ_LOG_BASE=$D/rabbit/log RABBITMQ_CONFIG_FILE=$D/rabbit/rabbitmq.conf RABBITMQ_ENABLED_PLUGINS_FILE=$D/rabbit/enabled_plugins
    RABBITMQ_CONF_ENV_FILE=$D/rabbit/env.conf RABBITMQ_PID_FILE=$D/rabbit/pid)
  env "${RENV[@]}" epmd -port $EP -address 127.0.0.1 & PIDS+=($!)
  env "${RENV[@]}" /usr/lib/rabbitmq/bin/rabbitmq-server > $D/rabbit.out 2>&1 & RS=$!
  until (echo > /dev/tcp/127.0.0.1/$AP) 2>/dev/null; do kill -0 $RS 2>/dev/null || { cat $D/rabbit.out; exit 1; }; sleep 0.5; done
  # The sample consumer's durable queue is bound before the ingestor publishes: the broker stores every
  # message there (on an exchange with no queue bound, RabbitMQ confirms and drops).
  ConnectionStrings__rabbitmq=amqp://guest:guest@127.0.0.1:$AP/ Logging__LogLevel__Default=Warning \
    dotnet $ROOT/samples/CertStream.FeedConsumer/bin/${SIM_CONFIGURATION:-Debug}/net10.0/CertStream.FeedConsumer.dll > $D/consumer.out 2>&1 & PIDS+=($!)
  until grep -q "Bus started" $D/consumer.out 2>/dev/null || env "${RENV[@]}" /usr/lib/rabbitmq/bin/rabbitmqctl -n bench$AP@localhost -q list_queues name 2>/dev/null | grep -q certstream-feed-consumer; do sleep 0.5; done
  FEED_ENV=(ConnectionStrings__rabbitmq=amqp://guest:guest@127.0.0.1:$AP/)
fi
until curl -sf http://127.0.0.1:$SP/control/logs/'*' >/dev/null; do sleep 0.5; done
cd $D
env ASPNETCORE_URLS=http://127.0.0.1:$IP CERTSTREAM_CT_LOGS_URL=http://127.0.0.1:$SP/log_list.json ConnectionStrings__redis=127.0.0.1:$RP \
  CERTSTREAM_CT_LOG_CATCHUP_RATE=0 CERTSTREAM_LOG_LEVEL=warn "${FEED_ENV[@]}" \
  dotnet $IDIR/CertStream.Ingestor.dll > $D/ingestor.out 2>&1 & I=$!; PIDS+=($I)
until curl -sf http://127.0.0.1:$IP/health >/dev/null; do kill -0 $I 2>/dev/null || { cat $D/ingestor.out; exit 1; }; sleep 0.5; done
until [ "$(redis-cli -p $RP --scan --pattern 'certstream:log:*:state' | wc -l)" -ge 2 ]; do sleep 0.5; done
sleep 3 # both logs followed at their tip
P0=$(metric certstream_ingestor_entries_published_total); F0=$(metric certstream_ingestor_feed_confirmed_total)
T0=$(date +%s.%N); C0=$(cpu $I)
curl -s -X POST "http://127.0.0.1:$SP/control/logs/*/grow?count=$N" > /dev/null
TOTAL=$((2 * N))
if [ "$MODE" = on ]; then
  until [ $(( $(metric certstream_ingestor_feed_confirmed_total) - F0 )) -ge $TOTAL ]; do sleep 0.2; done
else
  until [ $(( $(metric certstream_ingestor_entries_published_total) - P0 )) -ge $TOTAL ]; do sleep 0.2; done
fi
T1=$(date +%s.%N); C1=$(cpu $I)
P1=$(metric certstream_ingestor_entries_published_total); F1=$(metric certstream_ingestor_feed_confirmed_total)
echo "feed fell behind: $(metric certstream_ingestor_feed_fell_behind_total) times, re-read from the CT logs: $(metric certstream_ingestor_feed_refetched_total) entries"
TICK=$(getconf CLK_TCK)
python3 - "$MODE" "$T0" "$T1" "$C0" "$C1" "$TICK" $((P1 - P0)) $((F1 - F0)) <<'PY'
import sys
mode, t0, t1, c0, c1, tick, pub, conf = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8])
wall = t1 - t0; cpu = (c1 - c0) / tick
print(f"mode={mode} entries_published={pub} feed_confirmed={conf} wall={wall:.1f}s ingestor_cpu={cpu:.1f}s")
print(f"live: {pub / wall:.0f} entries/s, {cpu / pub * 1e6:.0f} us CPU per entry")
if mode == "on":
    print(f"feed: {conf / wall:.0f} confirmed/s, {conf / cpu:.0f} confirmed per ingestor CPU-second (per core)")
PY
if [ "$MODE" = on ]; then env "${RENV[@]}" /usr/lib/rabbitmq/bin/rabbitmqctl -n bench$AP@localhost stop > /dev/null; wait $RS; fi
