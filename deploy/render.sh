#!/usr/bin/env bash
# Renders every Kubernetes object of CertStream into one YAML file, ready for `kubectl apply -f`:
#   1. the AppHost publishes its Aspire manifest (into a private temporary folder),
#   2. aspirate turns it into kustomize folders (ASPIRATE, default `aspirate` on PATH),
#   3. deploy/kustomize corrects them (Secrets, probes, rollouts, Redis persistence, Ingress ...),
#   4. a last layer made here adds the images, the Secret and this site's settings.
# Nothing is written into the repository except the AppHost's build output (bin/, obj/).
#
# Usage: CERTSTREAM_IMAGE_REGISTRY=registry.example.com/certstream REDIS_PASSWORD=... \
#          [AUTH_TOKENS=token1,token2] deploy/render.sh OUT.yaml
#
# Required:
#   CERTSTREAM_IMAGE_REGISTRY   images are REGISTRY/gateway:TAG, REGISTRY/ingestor:TAG, REGISTRY/proxy:TAG
#   REDIS_PASSWORD              Redis password (stored in the Secret only; no ',' or line breaks)
# Optional (defaults in brackets):
#   CERTSTREAM_IMAGE_TAG        [the commit: git rev-parse --short HEAD], as deploy/build-images.sh
#   AUTH_TOKENS                 comma-separated stream tokens (Secret only) [none]
#   CERTSTREAM_AUTH_ENABLED     [true when AUTH_TOKENS is set, else false]
#   CERTSTREAM_TRUSTED_PROXY_CIDR  pod network of the proxies and Ingress controller, comma-separated
#                               IPs/CIDRs whose X-Forwarded-For gateways believe [10.0.0.0/8]
#   CERTSTREAM_CT_LOGS_URL      v3 CT log list the ingestors follow [Google's all_logs_list.json]
#   CERTSTREAM_GATEWAY_REPLICAS [3]  CERTSTREAM_INGESTOR_REPLICAS [2]  CERTSTREAM_PROXY_REPLICAS [2]
#   CERTSTREAM_INGRESS_CLASS    [nginx]
#   CERTSTREAM_INGRESS_HOST     host name of the Ingress rule [any host]
#   CERTSTREAM_INGRESS_TLS_SECRET  a kubernetes.io/tls Secret for that host: https/wss at the Ingress [none]
#   CERTSTREAM_PROXY_SERVICE_TYPE  ClusterIP (Ingress only) or LoadBalancer (also a public IP) [ClusterIP]
#   CERTSTREAM_NAMESPACE        namespace of every object [kubectl's current one]
#   CERTSTREAM_FEED_ENABLED     true: the durable feed, RabbitMQ as a StatefulSet (deploy/kustomize/feed) [false]
#   RABBITMQ_PASSWORD           RabbitMQ password of user certstream (Secret only; required with the feed;
#                               letters, digits, '-', '_' and '.': it goes into an AMQP URI)
#   CERTSTREAM_DIRECT_GATEWAYS  true: the high-volume layout, a LoadBalancer Service `gateway-public`
#                               (port 80) straight to the gateway pods, stream bytes not through YARP
#                               (deploy/kustomize/direct-gateways) [false]
#   ASPIRATE                    aspirate command [aspirate]
#   CERTSTREAM_ASPIRATE_OUTPUT  skip steps 1-2 and use this aspirate output folder (tests)
set -euo pipefail

fail() { echo "render.sh: $*" >&2; exit 1; }
# Values go into YAML unquoted or double-quoted: each is held to the characters its field can have.
check() { [[ $2 =~ $3 ]] || fail "$1: '$2' $4"; }

[[ $# -eq 1 ]] || fail "usage: deploy/render.sh OUT.yaml (settings in environment variables: see the header)"
out=$1
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

registry=${CERTSTREAM_IMAGE_REGISTRY:?CERTSTREAM_IMAGE_REGISTRY is required (images are REGISTRY/gateway:TAG ...)}
tag=${CERTSTREAM_IMAGE_TAG:-$(git -C "$repo" rev-parse --short HEAD)}
redis_password=${REDIS_PASSWORD:?REDIS_PASSWORD is required (e.g. REDIS_PASSWORD=\$(openssl rand -hex 24))}
auth_tokens=${AUTH_TOKENS:-}
auth_enabled=${CERTSTREAM_AUTH_ENABLED:-$([[ -n $auth_tokens ]] && echo true || echo false)}
trusted=${CERTSTREAM_TRUSTED_PROXY_CIDR:-10.0.0.0/8}
ct_logs_url=${CERTSTREAM_CT_LOGS_URL:-}
gateways=${CERTSTREAM_GATEWAY_REPLICAS:-3}
ingestors=${CERTSTREAM_INGESTOR_REPLICAS:-2}
proxies=${CERTSTREAM_PROXY_REPLICAS:-2}
ingress_class=${CERTSTREAM_INGRESS_CLASS:-nginx}
ingress_host=${CERTSTREAM_INGRESS_HOST:-}
ingress_tls_secret=${CERTSTREAM_INGRESS_TLS_SECRET:-}
proxy_service_type=${CERTSTREAM_PROXY_SERVICE_TYPE:-ClusterIP}
namespace=${CERTSTREAM_NAMESPACE:-}
feed=${CERTSTREAM_FEED_ENABLED:-false}
rabbitmq_password=${RABBITMQ_PASSWORD:-}
direct_gateways=${CERTSTREAM_DIRECT_GATEWAYS:-false}

check CERTSTREAM_IMAGE_REGISTRY "$registry" '^[A-Za-z0-9._:/-]+$' "is not a registry/repository prefix"
check CERTSTREAM_IMAGE_TAG "$tag" '^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$' "is not an image tag"
check REDIS_PASSWORD "$redis_password" '^[^,[:space:]]+$' "must not contain ',' or white space (it goes into a Redis connection string)"
check AUTH_TOKENS "$auth_tokens" '^[^[:space:]]*$' "must not contain white space"
check CERTSTREAM_AUTH_ENABLED "$auth_enabled" '^(true|false)$' "must be true or false"
check CERTSTREAM_TRUSTED_PROXY_CIDR "$trusted" '^[0-9A-Fa-f.:/]+(,[0-9A-Fa-f.:/]+)*$' "is not a comma-separated list of IPs/CIDRs"
check CERTSTREAM_CT_LOGS_URL "$ct_logs_url" '^(https?://[^"[:space:]\\]+)?$' "is not an http(s) URL"
for n in gateways ingestors proxies; do check "replicas ($n)" "${!n}" '^[1-9][0-9]?$' "must be a number from 1 to 99"; done
check CERTSTREAM_INGRESS_CLASS "$ingress_class" '^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$' "is not an IngressClass name"
check CERTSTREAM_INGRESS_HOST "$ingress_host" '^([A-Za-z0-9*]([A-Za-z0-9.-]*[A-Za-z0-9])?)?$' "is not a host name"
check CERTSTREAM_INGRESS_TLS_SECRET "$ingress_tls_secret" '^([a-z0-9]([a-z0-9.-]*[a-z0-9])?)?$' "is not a Secret name"
[[ -z $ingress_tls_secret || -n $ingress_host ]] || fail "CERTSTREAM_INGRESS_TLS_SECRET needs CERTSTREAM_INGRESS_HOST (the certificate's host)"
check CERTSTREAM_PROXY_SERVICE_TYPE "$proxy_service_type" '^(ClusterIP|LoadBalancer)$' "must be ClusterIP or LoadBalancer"
check CERTSTREAM_NAMESPACE "$namespace" '^([a-z0-9]([a-z0-9-]*[a-z0-9])?)?$' "is not a namespace name"
check CERTSTREAM_FEED_ENABLED "$feed" '^(true|false)$' "must be true or false"
check CERTSTREAM_DIRECT_GATEWAYS "$direct_gateways" '^(true|false)$' "must be true or false"
if [[ $feed == true ]]; then
  [[ -n $rabbitmq_password ]] || fail "RABBITMQ_PASSWORD is required with CERTSTREAM_FEED_ENABLED=true (e.g. RABBITMQ_PASSWORD=\$(openssl rand -hex 24))"
  check RABBITMQ_PASSWORD "$rabbitmq_password" '^[A-Za-z0-9._-]+$' "may hold only letters, digits, '-', '_' and '.' (it goes into an AMQP URI)"
fi
command -v kubectl >/dev/null || fail "kubectl is needed (kubectl kustomize renders the objects)"

umask 077 # the work folder and OUT.yaml hold the Secret
work=$(mktemp -d "${TMPDIR:-/tmp}/certstream-render.XXXXXX")
trap 'rm -rf "$work"' EXIT

# aspirate never sees a real secret: it writes these values into ConfigMaps, which deploy/kustomize
# strips; finding the placeholder in the result means a secret slipped through.
placeholder=SET-BY-DEPLOY-KUSTOMIZE
if [[ -n ${CERTSTREAM_ASPIRATE_OUTPUT:-} ]]; then
  cp -r "$CERTSTREAM_ASPIRATE_OUTPUT" "$work/out"
else
  aspirate=${ASPIRATE:-aspirate}
  command -v "$aspirate" >/dev/null || fail "aspirate not found: set ASPIRATE or put it on PATH (see README)"
  mkdir "$work/manifest"
  echo "render.sh: publishing the Aspire manifest" >&2
  # Without the feed's container (the AppHost adds one when CERTSTREAM_FEED_ENABLED=true): with the
  # feed, deploy/kustomize/feed brings RabbitMQ with its volume and Secret.
  env -u CERTSTREAM_FEED_ENABLED dotnet run --project "$repo/CertStream.AppHost" -- \
    --publisher manifest --output-path "$work/manifest/aspire-manifest.json" >"$work/manifest.log" 2>&1 \
    || { cat "$work/manifest.log" >&2; fail "the AppHost could not publish its manifest"; }
  echo "render.sh: running aspirate" >&2
  # From the manifest's folder (its project paths are relative to it); no state file, no secret
  # store (--disable-state/--disable-secrets): every value it writes is a placeholder or public.
  (cd "$work/manifest" && "$aspirate" generate --non-interactive -m aspire-manifest.json --skip-build \
      --image-pull-policy IfNotPresent --include-dashboard false --output-format kustomize -o "$work/out" \
      --disable-secrets --disable-state -pa "redis-password=$placeholder" -pa "auth-tokens=$placeholder") \
    >"$work/aspirate.log" 2>&1 || { cat "$work/aspirate.log" >&2; fail "aspirate failed"; }
fi
cp -r "$repo/deploy/kustomize" "$work/kustomize"

mkdir "$work/site"
printf 'REDIS_PASSWORD=%s\nCERTSTREAM_AUTH_TOKENS=%s\n' "$redis_password" "$auth_tokens" >"$work/site/secrets.env"
[[ $feed == true ]] && printf 'RABBITMQ_PASSWORD=%s\n' "$rabbitmq_password" >>"$work/site/secrets.env"
{
  cat <<EOF
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../kustomize
$([[ $feed == true || $direct_gateways == true ]] && echo 'components:')
$([[ $feed == true ]] && echo '  - ../kustomize/feed')
$([[ $direct_gateways == true ]] && echo '  - ../kustomize/direct-gateways')
${namespace:+namespace: $namespace}
images:
  - {name: gateway, newName: $registry/gateway, newTag: "$tag"}
  - {name: ingestor, newName: $registry/ingestor, newTag: "$tag"}
  - {name: proxy, newName: $registry/proxy, newTag: "$tag"}
replicas:
  - {name: gateway, count: $gateways}
  - {name: ingestor, count: $ingestors}
  - {name: proxy, count: $proxies}
# The name gets a hash of the content, so a changed secret rolls the pods that use it.
secretGenerator:
  - name: certstream-secrets
    envs: [secrets.env]
patches:
  - patch: |-
      apiVersion: v1
      kind: ConfigMap
      metadata: {name: gateway-env}
      data: {CERTSTREAM_TRUSTED_PROXIES: "$trusted", CERTSTREAM_AUTH_ENABLED: "$auth_enabled"}
  - patch: |-
      apiVersion: networking.k8s.io/v1
      kind: Ingress
      metadata: {name: proxy}
      spec: {ingressClassName: $ingress_class}
EOF
  if [[ -n $ct_logs_url ]]; then
    cat <<EOF
  - patch: |-
      apiVersion: v1
      kind: ConfigMap
      metadata: {name: ingestor-env}
      data: {CERTSTREAM_CT_LOGS_URL: "$ct_logs_url"}
EOF
  fi
  if [[ -n $ingress_host ]]; then
    cat <<EOF
  - target: {kind: Ingress, name: proxy}
    patch: |-
      - {op: add, path: /spec/rules/0/host, value: "$ingress_host"}
EOF
  fi
  if [[ -n $ingress_tls_secret ]]; then
    cat <<EOF
  - target: {kind: Ingress, name: proxy}
    patch: |-
      - {op: add, path: /spec/tls, value: [{hosts: ["$ingress_host"], secretName: $ingress_tls_secret}]}
EOF
  fi
  if [[ $proxy_service_type == LoadBalancer ]]; then
    # Local keeps the client's address as the proxy's peer (a node's address could be trusted).
    cat <<EOF
  - patch: |-
      apiVersion: v1
      kind: Service
      metadata: {name: proxy}
      spec: {type: LoadBalancer, externalTrafficPolicy: Local}
EOF
  fi
} >"$work/site/kustomization.yaml"

KUBECONFIG=/nonexistent kubectl kustomize "$work/site" >"$work/rendered.yaml"

# aspirate's ConfigMaps keep fixed names, so a changed setting would not restart anything: each
# Deployment's pod template gets the hash of its ConfigMap, and a change rolls exactly those pods.
configmap_hash() {
  local doc
  doc=$(awk -v name="$1" 'BEGIN { RS = "\n---\n" } /(^|\n)kind: ConfigMap(\n|$)/ && $0 ~ ("\n  name: " name "(\n|$)")' "$work/rendered.yaml")
  [[ -n $doc ]] || fail "no ConfigMap $1 in the rendered objects"
  printf '%s' "$doc" | sha256sum | cut -c1-16
}
for deployment in gateway ingestor proxy; do
  hash=$(configmap_hash "$deployment-env")
  cat >>"$work/site/kustomization.yaml" <<EOF
  - patch: |-
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: $deployment}
      spec: {template: {metadata: {annotations: {certstream.io/config-hash: "$hash"}}}}
EOF
done
KUBECONFIG=/nonexistent kubectl kustomize "$work/site" >"$work/rendered.yaml"
if grep -q -- "$placeholder" "$work/rendered.yaml"; then
  fail "a value aspirate was given as a placeholder is still in a ConfigMap: deploy/kustomize/configmaps.yaml must remove it"
fi
mkdir -p "$(dirname "$out")"
mv "$work/rendered.yaml" "$out"
echo "render.sh: wrote $out ($(grep -c '^kind:' "$out") objects; it holds the Secret: keep it private)" >&2
