#!/usr/bin/env bash
# Runs the ingest hot-path benchmarks (Release). Extra arguments go to BenchmarkDotNet, e.g.
#   bench/CertStream.Benchmarks/run.sh --job short
#   bench/CertStream.Benchmarks/run.sh --filter '*DecodeParseSerialize*'
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ " $* " != *" --filter "* ]]; then
  set -- --filter '*' "$@"
fi
exec dotnet run -c Release --project bench/CertStream.Benchmarks -- "$@"
