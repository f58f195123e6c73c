#!/usr/bin/env bash
# Token-check benchmark: what verifying a bearer token (signature, issuer, audience, expiry, caller
# built from its claims) adds to a request. The same cheap request, GET
# /fhir/.well-known/smart-configuration (which needs no token and runs no query, but whose bearer
# token, when sent, is verified like any other), is sent without and with a valid token, alternately,
# at concurrency 1; the difference of the mean latencies is the token check. A full token-checked read
# of a Patient is given for scale. Needs wrk (Debian package wrk). Usage: bench/token-check.sh [rounds, default 3] [seconds, default 10]
set -euo pipefail
# shellcheck source=lib/ports.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/ports.sh"
cd "$(dirname "$0")/.."

rounds=${1:-3}
seconds=${2:-10}
port=${CARNET_BENCH_PORT:-$(free_port)}
command -v wrk > /dev/null || { echo "wrk is needed: apt-get install wrk"; exit 1; }

./mvnw -B -q -DskipTests package
jar=$(ls target/carnet-*.jar | grep -v original | head -n 1)
data=$(mktemp -d)
java -Xmx1g -jar "$jar" --spring.profiles.active=demo --server.port="$port" --carnet.fhir.data-dir="$data" \
  --carnet.smart.issuer="http://localhost:$port" \
  > "$data/carnet.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"' EXIT
until grep -q "Demo profile: loaded" "$data/carnet.log"; do
  kill -0 $pid 2>/dev/null || { tail -30 "$data/carnet.log"; exit 1; }
  sleep 1
done

token() {
  curl -s "http://localhost:$port/oauth2/token" -d grant_type=client_credentials -d scope='system/*.rs' \
    -d client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer \
    -d client_assertion="$(demo/client-assertion.sh "http://localhost:$port/oauth2/token")" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}

# Mean latency in microseconds of one wrk run at concurrency 1.
mean_us() {
  wrk -t1 -c1 -d"${seconds}s" --latency "$@" | awk '
    /^    Latency/ { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+/, "", v);
                     f = (u == "us") ? 1 : (u == "ms") ? 1000 : 1000000; printf "%d\n", v * f }'
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2))}'; }

# Warm-up: JIT and connection pools.
bearer=$(token)
probe="http://localhost:$port/fhir/.well-known/smart-configuration"
wrk -t1 -c1 -d5s -H "Authorization: Bearer $bearer" "$probe" > /dev/null
wrk -t1 -c1 -d5s -H "Authorization: Bearer $bearer" "http://localhost:$port/fhir/Patient/example-ins-demo" > /dev/null
echo "cores: $(nproc)   java: $(java -version 2>&1 | head -n 1)   rounds: $rounds x ${seconds}s, concurrency 1"
for round in $(seq 1 "$rounds"); do
  bearer=$(token) # tokens last 5 minutes
  without=$(mean_us "$probe")
  with=$(mean_us -H "Authorization: Bearer $bearer" "$probe")
  read=$(mean_us -H "Authorization: Bearer $bearer" "http://localhost:$port/fhir/Patient/example-ins-demo")
  echo "round $round: without token ${without} us, with token ${with} us, token-checked Patient read ${read} us"
  echo "$without" >> "$data/without"; echo "$with" >> "$data/with"; echo "$read" >> "$data/read"
  echo $((with - without)) >> "$data/delta"
done
echo
echo "median mean latency, without token          : $(median < "$data/without") us"
echo "median mean latency, with token             : $(median < "$data/with") us"
echo "median token check (difference)             : $(median < "$data/delta") us per request"
echo "median mean latency, token-checked read     : $(median < "$data/read") us"
