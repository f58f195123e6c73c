#!/usr/bin/env bash
# Messaging benchmark: what sending a message and listing a thread cost with everything on — token check,
# access policy, the messaging rules (sender and thread recorded, the space reachable), validation against
# carnet-message, the durable access log and the patient's e-mail notification recorded in the transaction.
#
# One Carnet server (the jar as shipped, demo profile, a fresh PostgreSQL database), PATIENTS spaces in the
# demo GP's care (Dr Martin); his token from a real SMART App Launch of the demo practitioner software with
# user/*.cruds. Measured with wrk, CONNECTIONS connections on 2 threads, SECONDS per phase after a warm-up
# of WARMUP seconds of each:
#   send   POST /fhir/Communication: a text message from the GP to one of the spaces' patients, in turn
#   list   GET /fhir/Communication?subject=Patient/{id}&_sort=-sent&_include=Communication:in-response-to
#          &_count=20 of a random space (each holds the messages the send phase wrote)
# Prints requests/s, latency p50/p95/p99 and the server JVM's CPU per request (user + system time during
# the phase, divided by the requests wrk counted).
#
# Needs wrk, python3, openssl, psql, PostgreSQL on 127.0.0.1:5432 (trust). CARNET_JAR: a jar already built.
# Usage: bench/messaging.sh [seconds 20] [patients 50] [connections 4] [warm-up seconds 20]
set -euo pipefail
# shellcheck source=lib/ports.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/ports.sh"
cd "$(dirname "$0")/.."

seconds=${1:-20}
patients=${2:-50}
connections=${3:-4}
warmup=${4:-20}
command -v wrk > /dev/null || { echo "wrk is needed (Debian package wrk)" >&2; exit 1; }
jar=${CARNET_JAR:-}
if [ -z "$jar" ]; then
  ./mvnw -B -q -DskipTests -Dconformance.skip=true package
  jar=$(ls target/carnet-*.jar | grep -v original | head -n 1)
fi

work=$(mktemp -d)
database="carnet_messaging_$(date +%s)"
port=$(free_port)
base="http://localhost:$port"
psql -h 127.0.0.1 -U postgres -q -c "CREATE DATABASE $database"
pid=""
cleanup() {
  [ -n "$pid" ] && { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
  psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS $database" || true
  rm -rf "$work"
}
trap cleanup EXIT

java -Xmx1g -XX:+UseParallelGC -jar "$jar" --spring.profiles.active=demo \
  --carnet.db.url="jdbc:postgresql://127.0.0.1:5432/$database" --carnet.db.username=postgres \
  --carnet.smart.issuer="$base" --server.port="$port" --carnet.fhir.data-dir="$work/data" \
  --carnet.fhir.reuse-cached-search-results=0s > "$work/carnet.log" 2>&1 &
pid=$!
deadline=$((SECONDS + ${CARNET_BENCH_START_TIMEOUT:-600}))
until grep -q "Demo profile: loaded" "$work/carnet.log"; do
  kill -0 "$pid" 2>/dev/null || { echo "Carnet stopped" >&2; tail -40 "$work/carnet.log"; exit 1; }
  [ "$SECONDS" -lt "$deadline" ] || { echo "Carnet did not start in time" >&2; tail -40 "$work/carnet.log"; exit 1; }
  sleep 1
done
curl -sf -o /dev/null "$base/fhir/metadata" || { echo "the answering server is not this one" >&2; exit 1; }

echo "populating: $patients spaces in Dr Martin's care"
python3 bench/lib/access_bench.py populate "$base" "$patients" 1 "$work"
token=$(python3 bench/lib/access_bench.py launch "$base" dr.martin "openid fhirUser user/*.cruds")
sed -E 's#.*patient=(Patient/[0-9A-Za-z.-]+).*#\1#' "$work/search.paths" > "$work/spaces"
python3 - "$work/spaces" > "$work/bodies" <<'PY'
import json, sys
for space in open(sys.argv[1]).read().split():
    print(json.dumps({"resourceType": "Communication", "status": "completed", "subject": {"reference": space},
                      "recipient": [{"reference": space}],
                      "payload": [{"contentString": "Bonjour, vos résultats sont arrivés : passez me voir."}]}))
PY
sed -E 's#(.*)#/fhir/Communication?subject=\1\&_sort=-sent\&_include=Communication:in-response-to\&_count=20#' \
  "$work/spaces" > "$work/list.paths"

# One message checked by hand before measuring: 201, sender recorded from the token.
head -n 1 "$work/bodies" > "$work/first-body"
sent=$(curl -s -o "$work/one.json" -w '%{http_code}' -H "Authorization: Bearer $token" \
  -H "Content-Type: application/fhir+json" --data-binary "@$work/first-body" "$base/fhir/Communication")
[ "$sent" = 201 ] || { echo "sending a message answered $sent: $(cat "$work/one.json")" >&2; exit 1; }
grep -q '810000000001' "$work/one.json" || { echo "the sender was not recorded: $(cat "$work/one.json")" >&2; exit 1; }

cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
ticks_per_second=$(getconf CLK_TCK)
phase() { # name, seconds: runs wrk, prints its figures
  local name=$1 duration=$2 before after out requests
  before=$(cpu_ticks)
  if [ "$name" = send ]; then
    out=$(BODIES="$work/bodies" PATH_POSTED=/fhir/Communication TOKEN=$token \
      wrk -t2 -c"$connections" -d"${duration}s" -s bench/lib/post-bodies.lua "$base")
  else
    out=$(PATHS="$work/list.paths" TOKEN=$token wrk -t2 -c"$connections" -d"${duration}s" -s bench/lib/random-path.lua "$base")
  fi
  after=$(cpu_ticks)
  if grep -q "Non-2xx" <<< "$out"; then echo "$name: some requests failed" >&2; echo "$out" >&2; exit 1; fi
  requests=$(awk '/requests in/ {print $1}' <<< "$out")
  printf '%-5s c=%s  %s req/s  %s  server CPU %.2f ms/request  (%s requests)\n' "$name" "$connections" \
    "$(awk '/^Requests\/sec/ {printf "%.1f", $2}' <<< "$out")" "$(grep latency-ms <<< "$out")" \
    "$(echo "($after - $before) * 1000 / $ticks_per_second / $requests" | bc -l)" "$requests"
}
phase send "$warmup" > /dev/null
phase list "$warmup" > /dev/null
echo "cores: $(nproc)   java: $(java -version 2>&1 | head -n 1)   wrk: 2 threads, $connections connections, ${seconds}s per phase"
phase send "$seconds"
phase list "$seconds"
messages=$(psql -h 127.0.0.1 -U postgres -d "$database" -tA -c "SELECT COUNT(*) FROM hfj_resource WHERE res_type = 'Communication'")
audited=$(psql -h 127.0.0.1 -U postgres -d "$database" -tA -c "SELECT COUNT(*) FROM carnet_audit_event")
told=$(psql -h 127.0.0.1 -U postgres -d "$database" -tA -c "SELECT COUNT(*) FROM carnet_notification WHERE kind = 'MESSAGE_RECEIVED'")
echo "messages stored: $messages   access-log entries: $audited   e-mail notifications recorded: $told"
