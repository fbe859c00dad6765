#!/usr/bin/env bash
# Acceptance check of rendered Kubernetes objects without a cluster: the Release gateway, ingestor
# and proxy run with the environment their rendered Deployments would get (ConfigMaps by envFrom,
# then env: Secret keys and $(VAR) expansion), the cluster's names rewritten to 127.0.0.1 and free
# ports, a private redis-server with the rendered password, and the CT log simulator as the log
# list. A client then streams Server-Sent Events through the proxy. Everything it started is
# stopped by PID at the end.
#
# Usage: deploy/smoke-local.sh RENDERED.yaml [SECONDS]   (RENDERED.yaml from deploy/render.sh)
#   SMOKE_PUBLISH_DIR  where the four Release builds go [${TMPDIR:-/tmp}/certstream-smoke]
set -euo pipefail

fail() { echo "smoke-local.sh: $*" >&2; exit 1; }
[[ $# -ge 1 && -f $1 ]] || fail "usage: deploy/smoke-local.sh RENDERED.yaml [SECONDS]"
rendered=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
seconds=${2:-20}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
publish=${SMOKE_PUBLISH_DIR:-${TMPDIR:-/tmp}/certstream-smoke}
command -v redis-server >/dev/null || fail "redis-server is needed (apt-get install redis-server)"
python3 -c 'import yaml' 2>/dev/null || fail "python3 with PyYAML is needed (apt-get install python3-yaml)"

for project in Gateway Ingestor Proxy CtLogSimulator; do
  echo "smoke-local.sh: publishing $project" >&2
  dotnet publish "$repo/CertStream.$project" -c Release -o "$publish/$project" -nologo -clp:ErrorsOnly >&2
done

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
redis_port=$(free_port); gateway_port=$(free_port); gateway_tcp_port=$(free_port)
ingestor_port=$(free_port); proxy_port=$(free_port); simulator_port=$(free_port)
logs=$(mktemp -d "${TMPDIR:-/tmp}/certstream-smoke-logs.XXXXXX")
pids=()
cleanup() { # newest first: the services stop before the Redis they use
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill "${pids[i]}" 2>/dev/null || true
    wait "${pids[i]}" 2>/dev/null || true
  done
}
trap cleanup EXIT

# The container environment of one Deployment (or StatefulSet), as Kubernetes builds it, then the
# cluster's addresses swapped for local ones. Prints NUL-separated NAME=VALUE pairs.
environment_of() {
  python3 - "$rendered" "$1" "$2" <<'PY'
import base64, re, sys, yaml
path, kind_name, rewrites = sys.argv[1], sys.argv[2], sys.argv[3]
docs = [d for d in yaml.safe_load_all(open(path)) if d]
def find(kind, name):
    return next(d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name)
kind, name = kind_name.split("/")
container = next(c for c in find(kind, name)["spec"]["template"]["spec"]["containers"] if c["name"] == name)
env = {}
for source in container.get("envFrom", []):
    if "configMapRef" in source:
        env.update({k: str(v) for k, v in (find("ConfigMap", source["configMapRef"]["name"]).get("data") or {}).items()})
    if "secretRef" in source:
        env.update({k: base64.b64decode(v).decode() for k, v in (find("Secret", source["secretRef"]["name"]).get("data") or {}).items()})
for item in container.get("env", []):
    if "value" in item:
        # $(VAR) expands from what is already defined; $$ escapes.
        env[item["name"]] = re.sub(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", lambda m: env.get(m.group(1), m.group(0)), str(item["value"]))
    else:
        ref = item["valueFrom"]["secretKeyRef"]
        data = find("Secret", ref["name"]).get("data") or {}
        if ref["key"] in data:
            env[item["name"]] = base64.b64decode(data[ref["key"]]).decode()
        elif not ref.get("optional"):
            sys.exit(f"{kind_name}: Secret {ref['name']} has no key {ref['key']}")
for rewrite in filter(None, rewrites.split("\n")):
    key, _, value = rewrite.partition("=")
    if key.startswith("~"):          # ~OLD=NEW: replace a host:port inside every value
        env = {k: v.replace(key[1:], value) for k, v in env.items()}
    elif value == "<unset>":
        env.pop(key, None)
    else:
        env[key] = value
sys.stdout.write("".join(f"{k}={v}\0" for k, v in env.items()))
PY
}

start() { # NAME DLL-FOLDER ENV...
  local name=$1 folder=$2; shift 2
  (cd "$publish/$folder" && exec env -i PATH="$PATH" HOME="$HOME" DOTNET_ROOT="${DOTNET_ROOT:-}" "$@" \
    Logging__LogLevel__Default=Information dotnet "CertStream.$folder.dll") >"$logs/$name.log" 2>&1 &
  pids+=($!)
  echo "smoke-local.sh: $name pid $! (log $logs/$name.log)" >&2
}

wait_http() { # URL NAME
  for _ in $(seq 300); do curl -fs -o /dev/null "$1" && return 0; sleep 0.2; done
  fail "$2 did not answer $1 (see $logs)"
}

redis_password=$(python3 - "$rendered" <<'PY'
import base64, sys, yaml
secret = next(d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d["kind"] == "Secret")
print(base64.b64decode(secret["data"]["REDIS_PASSWORD"]).decode())
PY
)
redis-server --port "$redis_port" --bind 127.0.0.1 --requirepass "$redis_password" --save "" --appendonly no \
  --daemonize no >"$logs/redis.log" 2>&1 &
pids+=($!)
echo "smoke-local.sh: redis-server pid $! on 127.0.0.1:$redis_port" >&2

start simulator CtLogSimulator ASPNETCORE_URLS="http://127.0.0.1:$simulator_port"
wait_http "http://127.0.0.1:$simulator_port/log_list.json" simulator

# aspirate's ASPNETCORE_URLS is http://+:8080; (trailing ';' and all): only the address changes.
local_urls() { printf '~http://+:8080=http://127.0.0.1:%s\n' "$1"; }
mapfile -d '' gateway_env < <(environment_of Deployment/gateway "$(local_urls "$gateway_port")
~redis:6379=127.0.0.1:$redis_port
protocols__tcp_port=$gateway_tcp_port
CERTSTREAM_HOST=127.0.0.1
CERTSTREAM_TRUSTED_PROXIES=127.0.0.1/32")
mapfile -d '' ingestor_env < <(environment_of Deployment/ingestor "$(local_urls "$ingestor_port")
~redis:6379=127.0.0.1:$redis_port
CERTSTREAM_CT_LOGS_URL=http://127.0.0.1:$simulator_port/log_list.json")
mapfile -d '' proxy_env < <(environment_of Deployment/proxy "$(local_urls "$proxy_port")
~gateway-pods:8080=localhost:$gateway_port")
echo "smoke-local.sh: environment of the gateway (secrets masked):" >&2
printf '  %s\n' "${gateway_env[@]}" | sed -E 's/(TOKENS=).*/\1***/; s/(PASSWORD=|password=)[^,]*/\1***/' >&2
echo "smoke-local.sh: environment of the proxy:" >&2
printf '  %s\n' "${proxy_env[@]}" >&2

start gateway Gateway "${gateway_env[@]}"
start ingestor Ingestor "${ingestor_env[@]}"
start proxy Proxy "${proxy_env[@]}"
wait_http "http://127.0.0.1:$gateway_port/health" gateway
wait_http "http://127.0.0.1:$ingestor_port/health" ingestor
wait_http "http://127.0.0.1:$proxy_port/health" proxy

auth=()
token=$(printf '%s\n' "${gateway_env[@]}" | sed -n 's/^CERTSTREAM_AUTH_TOKENS=\([^,]*\).*/\1/p')
[[ -n $token ]] && auth=(-H "Authorization: Bearer $token")

echo "smoke-local.sh: streaming http://127.0.0.1:$proxy_port/sse?stream=lite for $seconds s" >&2
curl -sN --max-time "$seconds" "${auth[@]}" "http://127.0.0.1:$proxy_port/sse?stream=lite" >"$logs/sse.txt" || true
certificates=$(grep -c '"message_type":"certificate_update"' "$logs/sse.txt" || true)
heartbeats=$(grep -c '"message_type":"heartbeat"' "$logs/sse.txt" || true)
first=$(grep -m1 -o '"all_domains":\[[^]]*\]' "$logs/sse.txt" || true)
echo "smoke-local.sh: through the proxy in $seconds s: $certificates certificate_update, $heartbeats heartbeat; first $first"
echo "smoke-local.sh: the proxy's gateway lookups:$(grep -h 'resolves to' "$logs/proxy.log" | tr -s ' \n' ' ')"
[[ $certificates -gt 0 ]] || fail "no certificate reached the client (logs in $logs)"
echo "smoke-local.sh: OK (logs in $logs)"
