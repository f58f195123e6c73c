#!/usr/bin/env bash
# Bulk Data export benchmark: Carnet as shipped (access policy on every resource, access log per space)
# against the stock HAPI JPA starter 8.8.0 with its bulk export switched on, in one run: the same data
# (SPACES spaces of PER_SPACE resources each, half DocumentReferences, half Observations, plus each space's
# Patient and CareTeam), same JVM flags, same PostgreSQL (a fresh database each), rounds alternating which
# server goes first.
#
# For each round and server: a system-level export of Patient, DocumentReference and Observation, polled
# every 200 ms, every file downloaded; prints resources, seconds to the manifest, seconds in all,
# resources/s end to end, the server's CPU during the export, and its heap: after a full collection
# before the export and, during it, the most it held after any collection (the GC log's "after" figures;
# young collections leave the old generation's garbage in: an upper bound) and after a full collection
# (what was alive then) — the export's heap growth is measured against the first figure.
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
# shellcheck source=lib/ports.sh
. bench/lib/ports.sh
declare -A port db pid base
servers=(carnet starter)
for name in "${servers[@]}" filler; do port[$name]=$(free_port); done
for name in "${servers[@]}"; do
  db[$name]="carnet_export_${name}_$stamp"
  psql -h 127.0.0.1 -U postgres -q -c "CREATE DATABASE ${db[$name]}"
done
all_pids=()
cleanup() {
  local status=$?
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
  java "${jvm[@]}" "-Xlog:gc:file=$work/$name.gc.log" -jar "$jar" --spring.profiles.active=demo \
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
(cd "$work/starter" && exec java "${jvm[@]}" "-Xlog:gc:file=$work/starter.gc.log" -jar "$war" --server.port="${port[starter]}" \
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
# The heap after each collection logged from line $2 on ("300M->52M(981M)": 52), its highest.
heap_after_gc_mb() { tail -n +"$2" "$work/$1.gc.log" | grep -o -- '->[0-9]*M' | tr -dc '0-9\n' | sort -n | tail -n 1 || true; }
# The same, after full collections only (what was really alive then); empty when none ran.
heap_after_full_gc_mb() { tail -n +"$2" "$work/$1.gc.log" | grep 'Pause Full' | grep -o -- '->[0-9]*M' | tr -dc '0-9\n' | sort -n | tail -n 1 || true; }
for round in $(seq 1 "$rounds"); do
  order=("${servers[@]}")
  [ $((round % 2)) -eq 0 ] && order=(starter carnet)
  for name in "${order[@]}"; do
    jcmd "${pid[$name]}" GC.run > /dev/null
    from_line=$(wc -l < "$work/$name.gc.log")
    before_heap=$(heap_after_gc_mb "$name" "$from_line")
    from_line=$((from_line + 1))
    before=$(cpu_ticks "${pid[$name]}")
    line=$(python3 bench/lib/export_bench.py export "${base[$name]}")
    ticks=$(( $(cpu_ticks "${pid[$name]}") - before ))
    during=$(heap_after_gc_mb "$name" "$from_line"); during=${during:-$before_heap}
    full=$(heap_after_full_gc_mb "$name" "$from_line")
    full=${full:+$full MB}; full=${full:-none ran}
    resources=$(awk '{print $2}' <<< "$line")
    printf 'round %d  %-8s %s  server CPU %.2f ms/resource  heap after full GC %s MB; during: highest after any GC %s MB, after a full GC %s\n' \
      "$round" "$name" "$line" "$(python3 -c "print($ticks * 1000 / $(getconf CLK_TCK) / $resources)")" "$before_heap" "$during" \
      "$full"
  done
done
