#!/usr/bin/env bash
# Access policy benchmark: what the patient's access policy and the access log cost a professional's
# reads and searches. Two servers run side by side from the same jar, with the same JVM settings, on
# the same PostgreSQL database (so the same data): one as shipped, one with the policy and the log
# switched off (carnet.access.enforced=false, carnet.audit.enabled=false, which needs
# carnet.access.unprotected-benchmark-peer=true). Both accept the same token: the demo GP's (Dr
# Martin, profession 10), obtained by a real SMART App Launch of the demo practitioner software.
#
# Data: PATIENTS spaces in Dr Martin's care team, each fed DOCUMENTS DocumentReferences by the demo
# hospital. Measured with wrk, concurrency CONNECTIONS on 2 threads, SECONDS per run, ROUNDS rounds
# alternating which server goes first:
#   read   GET /fhir/DocumentReference/{id}          (a random document of those spaces)
#   search GET /fhir/DocumentReference?status=current&patient={id}  (a random space: DOCUMENTS matches, one page)
# Prints requests per second of each run, the medians and the ratio policy-on / policy-off.
#
# Needs wrk (Debian package wrk), python3, openssl, psql, PostgreSQL on 127.0.0.1:5432 (trust).
# This machine's figures vary from minute to minute (a shared virtual machine): both servers are warmed
# up alike, rounds alternate which goes first, and the medians are compared.
# With CARNET_PEER_JAR=path/to/another/carnet.jar, the second server is that jar as shipped (policy and
# log on) instead of this jar with them off: the same workload compares two builds (before/after a change).
# Usage: bench/access-policy.sh [rounds 5] [seconds 20] [patients 100] [documents 20] [connections 8] [warm-up seconds 60]
set -euo pipefail
# shellcheck source=lib/ports.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/ports.sh"
cd "$(dirname "$0")/.."

rounds=${1:-5}
seconds=${2:-20}
patients=${3:-100}
documents=${4:-20}
connections=${5:-8}
warmup=${6:-60}
on_port=${CARNET_BENCH_PORT:-$(free_port)}
off_port=$(free_port)
command -v wrk > /dev/null || { echo "wrk is needed: apt-get install wrk"; exit 1; }

./mvnw -B -q -DskipTests -Dconformance.skip=true package
jar=$(ls target/carnet-*.jar | grep -v original | head -n 1)
work=$(mktemp -d)
database="carnet_bench_$(date +%s)"
psql -h 127.0.0.1 -U postgres -q -c "CREATE DATABASE $database"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS $database" || true
  rm -rf "$work"
}
trap cleanup EXIT

# Both servers trust tokens of the first one's issuer: same signing keys (in the shared database).
common=(--spring.profiles.active=demo --carnet.db.url="jdbc:postgresql://127.0.0.1:5432/$database"
  --carnet.db.username=postgres --carnet.smart.issuer="http://localhost:$on_port"
  # Every search of this benchmark repeats within a minute: HAPI's stored results would answer most of
  # them on both servers, measuring its cache rather than the searches.
  --carnet.fhir.reuse-cached-search-results=0s
  --logging.level.ca.uhn.fhir.rest.server.interceptor.ExceptionHandlingInterceptor=ERROR)
peer_jar=${CARNET_PEER_JAR:-}
start() { # name, port, extra arguments…
  local name=$1 port=$2; shift 2
  local run_jar=$jar
  [ "$name" = "peer" ] && run_jar=$peer_jar
  java -Xmx1g -XX:+UseParallelGC -jar "$run_jar" "${common[@]}" --server.port="$port" \
    --carnet.fhir.data-dir="$work/$name" "$@" > "$work/$name.log" 2>&1 &
  pids+=("$!")
  until curl -sf -o /dev/null "http://localhost:$port/fhir/metadata"; do
    kill -0 "${pids[-1]}" 2>/dev/null || { tail -40 "$work/$name.log"; exit 1; }
    sleep 1
  done
}
start policy-on "$on_port"
until grep -q "Demo profile: loaded" "$work/policy-on.log"; do sleep 1; done
if [ -n "$peer_jar" ]; then
  start peer "$off_port"
  off_label="peer build $(basename "$peer_jar")"
else
  start policy-off "$off_port" --carnet.access.enforced=false --carnet.audit.enabled=false \
    --carnet.access.unprotected-benchmark-peer=true
  off_label="policy+audit off"
fi

echo "populating: $patients spaces x $documents documents"
python3 bench/lib/access_bench.py populate "http://localhost:$on_port" "$patients" "$documents" "$work"
token=$(python3 bench/lib/access_bench.py launch "http://localhost:$on_port" dr.martin)

# Both servers answer the same thing but for the policy: check it on one search before measuring.
sample=$(head -n 1 "$work/search.paths")
for port in "$on_port" "$off_port"; do
  total=$(curl -sf -H "Authorization: Bearer $token" "http://localhost:$port$sample&_total=accurate" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
  echo "server :$port sees $total documents in $sample"
done

# Requests per second of one wrk run.
rate() { # port, paths file, seconds
  PATHS=$2 TOKEN=$token wrk -t2 -c"$connections" -d"$3s" -s bench/lib/random-path.lua "http://localhost:$1" \
    | awk '/^Requests\/sec/ { printf "%d\n", $2 }'
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2))}'; }

for port in "$on_port" "$off_port"; do # warm-up: JIT, pools, caches
  rate "$port" "$work/read.paths" "$warmup" > /dev/null
  rate "$port" "$work/search.paths" "$warmup" > /dev/null
done
echo "cores: $(nproc)   java: $(java -version 2>&1 | head -n 1)   wrk: 2 threads, $connections connections, ${seconds}s"
for round in $(seq 1 "$rounds"); do
  order=("$on_port" "$off_port")
  [ $((round % 2)) -eq 0 ] && order=("$off_port" "$on_port")
  for kind in read search; do
    for port in "${order[@]}"; do
      r=$(rate "$port" "$work/$kind.paths" "$seconds")
      name=$([ "$port" = "$on_port" ] && echo on || echo off)
      echo "$r" >> "$work/$kind.$name"
      echo "round $round  $kind  $([ "$name" = on ] && echo "this build" || echo "$off_label"): $r req/s"
    done
  done
done
audited=$(psql -h 127.0.0.1 -U postgres -d "$database" -tA -c "SELECT COUNT(*) FROM carnet_audit_event")
echo
echo "AuditEvents written by the policy-on server: $audited"
for kind in read search; do
  on=$(median < "$work/$kind.on"); off=$(median < "$work/$kind.off")
  echo "$kind: this build $on req/s, $off_label $off req/s, ratio $(python3 -c "print(f'{$on/$off:.2f}')")"
done
