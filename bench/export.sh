#!/usr/bin/env bash
# Bulk Data export benchmark: Carnet as shipped (access policy on every resource, access log per space)
# against the stock HAPI JPA starter 8.8.0 with its bulk export switched on, in one run: the same data
# (SPACES spaces of PER_SPACE resources each, half DocumentReferences, half Observations, plus each space's
# Patient and CareTeam), same JVM flags, same PostgreSQL (a fresh database each), rounds alternating which
# server goes first.
#
# For each round and server: a system-level export of Patient, DocumentReference and Observation, polled
# every 200 ms, every file downloaded; prints resources, seconds to the manifest, seconds in all,
# resources/s end to end, the server's CPU during the export, and its heap: used after a full GC before
# the export, and the most used (young + old generations, jstat every 0.5 s) during it.
#
# Carnet's data is written through a second Carnet on the same database with its features off (ten times
# faster to fill); the starter's through the starter itself.
# Needs python3, psql, jstat/jcmd, openssl, PostgreSQL on 127.0.0.1:5432 (trust).
# CARNET_JAR / CARNET_STARTER_WAR: a jar / war already built (else built here).
# Usage: bench/export.sh [spaces 1000] [per-space 100] [rounds 2]
set -euo pipefail
cd "$(dirname "$0")/.."

spaces=${1:-1000}
per_space=${2:-100}
rounds=${3:-2}
# shellcheck source=lib/builds.sh
source bench/lib/builds.sh
jar=$(carnet_jar)
war=$(starter_war)

work=$(mktemp -d)
stamp=$(date +%s)
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
declare -A port db pid base
servers=(carnet starter)
for name in "${servers[@]}" filler; do port[$name]=$(free_port); done
for name in "${servers[@]}"; do
  db[$name]="carnet_export_${name}_$stamp"
  psql -h 127.0.0.1 -U postgres -q -c "CREATE DATABASE ${db[$name]}"
done
all_pids=()
sampler=""
cleanup() {
  local status=$?
  [ -n "$sampler" ] && kill "$sampler" 2>/dev/null || true
  if [ "$status" -ne 0 ]; then
    for name in carnet starter; do echo "--- $name.log (last lines)" >&2; tail -60 "$work/$name.log" >&2 || true; done
  fi
  for each in "${all_pids[@]}"; do kill "$each" 2>/dev/null || true; done
  for each in "${all_pids[@]}"; do wait "$each" 2>/dev/null || true; done
  for name in "${servers[@]}"; do psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS ${db[$name]}" || true; done
  rm -rf "$work"
}
trap cleanup EXIT

jvm=(-Xmx1g -XX:+UseParallelGC)
start_carnet() { # name, port, issuer port, extra arguments…
  local name=$1 at=$2 issuer_port=$3; shift 3
  java "${jvm[@]}" -jar "$jar" --spring.profiles.active=demo \
    --carnet.db.url="jdbc:postgresql://127.0.0.1:5432/${db[carnet]}" --carnet.db.username=postgres \
    --carnet.smart.issuer="http://localhost:$issuer_port" --server.port="$at" --carnet.fhir.data-dir="$work/$name" \
    "$@" > "$work/$name.log" 2>&1 &
  all_pids+=("$!"); pid[$name]=$!
}
ready() { # name, demo data expected (yes/no)
  local name=$1 deadline=$((SECONDS + 600))
  until curl -sf --max-time 10 -o /dev/null "http://localhost:${port[$name]}/fhir/metadata"; do
    kill -0 "${pid[$name]}" 2>/dev/null || { echo "$name stopped" >&2; tail -40 "$work/$name.log"; exit 1; }
    [ "$SECONDS" -lt "$deadline" ] || { echo "$name did not answer in time" >&2; exit 1; }
    sleep 1
  done
  if [ "$2" = yes ]; then
    until grep -q "Demo profile: loaded" "$work/$name.log"; do
      [ "$SECONDS" -lt "$deadline" ] || { echo "$name did not load its demo data" >&2; exit 1; }
      sleep 1
    done
  fi
}

start_carnet carnet "${port[carnet]}" "${port[carnet]}"
mkdir -p "$work/starter"
(cd "$work/starter" && exec java "${jvm[@]}" -jar "$war" --server.port="${port[starter]}" \
  --spring.datasource.url="jdbc:postgresql://127.0.0.1:5432/${db[starter]}" --spring.datasource.username=postgres \
  --spring.datasource.driverClassName=org.postgresql.Driver \
  --spring.jpa.properties.hibernate.dialect=ca.uhn.fhir.jpa.model.dialect.HapiFhirPostgresDialect \
  --hapi.fhir.bulk_export_enabled=true > "$work/starter.log" 2>&1) &
all_pids+=("$!"); pid[starter]=$!
base[carnet]="http://localhost:${port[carnet]}"
base[starter]="http://localhost:${port[starter]}#no-token"
ready carnet yes
ready starter no

start_carnet filler "${port[filler]}" "${port[carnet]}" --carnet.access.unprotected-benchmark-peer=true \
  --carnet.access.enforced=false --carnet.audit.enabled=false --carnet.documents.rules-enforced=false \
  --carnet.ig.validate-writes=false --carnet.notify.enabled=false --carnet.export.enabled=false
ready filler no
python3 bench/lib/export_bench.py load "http://localhost:${port[filler]}" "$spaces" "$per_space" "${base[carnet]}"
kill "${pid[filler]}"
python3 bench/lib/export_bench.py load "${base[starter]}" "$spaces" "$per_space"

echo "servers: ${servers[*]}   cores: $(nproc)   java: $(java -version 2>&1 | head -n 1)   JVM: ${jvm[*]}"
echo "$spaces spaces of $per_space resources (+ Patient and CareTeam), $rounds rounds"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
heap_used_mb() { jstat -gc "$1" | awk 'NR == 2 {printf "%d", ($3 + $4 + $6 + $8) / 1024}'; }
for round in $(seq 1 "$rounds"); do
  order=("${servers[@]}")
  [ $((round % 2)) -eq 0 ] && order=(starter carnet)
  for name in "${order[@]}"; do
    jcmd "${pid[$name]}" GC.run > /dev/null
    before_heap=$(heap_used_mb "${pid[$name]}")
    ( peak=0; while true; do used=$(heap_used_mb "${pid[$name]}" || echo 0); [ "$used" -gt "$peak" ] && peak=$used
        echo "$peak" > "$work/peak.$name"; sleep 0.5; done ) &
    sampler=$!
    before=$(cpu_ticks "${pid[$name]}")
    line=$(python3 bench/lib/export_bench.py export "${base[$name]}")
    ticks=$(( $(cpu_ticks "${pid[$name]}") - before ))
    kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true; sampler=""
    resources=$(awk '{print $2}' <<< "$line")
    printf 'round %d  %-8s %s  server CPU %.2f ms/resource  heap after GC %s MB, peak during %s MB\n' "$round" "$name" "$line" \
      "$(python3 -c "print($ticks * 1000 / $(getconf CLK_TCK) / $resources)")" "$before_heap" "$(cat "$work/peak.$name")"
  done
done
