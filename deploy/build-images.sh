#!/usr/bin/env bash
# Builds the gateway, ingestor and proxy images and pushes them to the registry, with the .NET SDK's
# own container support (dotnet publish -t:PublishContainer): no Docker daemon, no Dockerfile. The
# images are REGISTRY/gateway:TAG, REGISTRY/ingestor:TAG and REGISTRY/proxy:TAG, the names
# deploy/render.sh puts in the Deployments (same CERTSTREAM_IMAGE_REGISTRY and CERTSTREAM_IMAGE_TAG).
#
# Usage: CERTSTREAM_IMAGE_REGISTRY=registry.example.com/certstream deploy/build-images.sh
#   CERTSTREAM_IMAGE_REGISTRY  registry host, optionally with a repository prefix (required)
#   CERTSTREAM_IMAGE_TAG       [the commit: git rev-parse --short HEAD]
#   CERTSTREAM_IMAGE_ARCH      x64 or arm64 [x64]
#   CERTSTREAM_IMAGES_DRY_RUN  1: print the container properties each project resolves, build nothing
# Registry credentials: those of `docker login` / `podman login` (~/.docker/config.json), or
# DOTNET_CONTAINER_REGISTRY_UNAME and DOTNET_CONTAINER_REGISTRY_PWORD. The base image
# (mcr.microsoft.com/dotnet/aspnet, the SDK's default for these projects) is pulled from its registry.
set -euo pipefail

fail() { echo "build-images.sh: $*" >&2; exit 1; }
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
registry=${CERTSTREAM_IMAGE_REGISTRY:?CERTSTREAM_IMAGE_REGISTRY is required (e.g. registry.example.com/certstream)}
tag=${CERTSTREAM_IMAGE_TAG:-$(git -C "$repo" rev-parse --short HEAD)}
arch=${CERTSTREAM_IMAGE_ARCH:-x64}
[[ $registry =~ ^[A-Za-z0-9.-]+(:[0-9]+)?(/[a-z0-9._/-]+)?$ ]] || fail "CERTSTREAM_IMAGE_REGISTRY: '$registry' is not HOST[:PORT][/PREFIX]"
[[ $tag =~ ^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$ ]] || fail "CERTSTREAM_IMAGE_TAG: '$tag' is not an image tag"
[[ $arch =~ ^(x64|arm64)$ ]] || fail "CERTSTREAM_IMAGE_ARCH: '$arch' must be x64 or arm64"

# ContainerRegistry takes the host alone; a path after it belongs to the repository name.
host=${registry%%/*}
prefix=${registry#"$host"}
prefix=${prefix#/}

for service in gateway ingestor proxy; do
  project="$repo/CertStream.${service^}/CertStream.${service^}.csproj"
  properties=(
    "-p:ContainerRegistry=$host"
    "-p:ContainerRepository=${prefix:+$prefix/}$service"
    "-p:ContainerImageTags=$tag"
    "-p:ContainerRuntimeIdentifier=linux-$arch"
  )
  if [[ ${CERTSTREAM_IMAGES_DRY_RUN:-} == 1 ]]; then
    # ComputeContainerConfig is the SDK target that settles the image's name, base and ports.
    dotnet msbuild "$project" -restore -t:ComputeContainerConfig -p:Configuration=Release "${properties[@]}" \
      -getProperty:ContainerRegistry -getProperty:ContainerRepository -getProperty:ContainerImageTags \
      -getProperty:ContainerBaseImage -getProperty:ContainerRuntimeIdentifier -getProperty:ContainerUser \
      -getProperty:ContainerWorkingDirectory
    continue
  fi

  echo "build-images.sh: $host/${prefix:+$prefix/}$service:$tag" >&2
  dotnet publish "$project" -c Release --os linux --arch "$arch" -t:PublishContainer "${properties[@]}"
done
