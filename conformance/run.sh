#!/usr/bin/env bash
# Runs the third-party client tests against a real Carnet: builds nothing, starts the jar that
# `./mvnw package` built on a fresh embedded data folder with the demo profile, runs each client,
# stops the server. Needs Node.js and Chromium (Debian package chromium).
set -euo pipefail
cd "$(dirname "$0")"

port=${CARNET_CONFORMANCE_PORT:-18080}
jar=$(ls ../target/carnet-*.jar | grep -v original | head -n 1)
data=$(mktemp -d)
log="$data/carnet.log"
cleanup() {
  [ -n "${carnet_pid:-}" ] && kill "$carnet_pid" 2>/dev/null && wait "$carnet_pid" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT

npm ci --no-fund --no-audit --silent

java -Xmx1g -jar "$jar" --spring.profiles.active=demo --server.port="$port" --carnet.fhir.data-dir="$data" \
  > "$log" 2>&1 &
carnet_pid=$!
for _ in $(seq 1 180); do
  curl -sf -o /dev/null "http://localhost:$port/fhir/metadata" && grep -q "Demo profile: loaded" "$log" && break
  kill -0 "$carnet_pid" 2>/dev/null || { echo "Carnet did not start:"; tail -50 "$log"; exit 1; }
  sleep 1
done

CARNET_URL="http://localhost:$port" node smart-launch.mjs
