#!/usr/bin/env bash
# Documents benchmark: Carnet as shipped against the server a user would run instead — the stock HAPI
# FHIR JPA starter 8.8.0 at its defaults — and against Carnet's own jar with its features switched off
# (what the features cost), in one run: same payload, same JVM flags, same PostgreSQL (a fresh database
# each), rounds alternating which server goes first.
#
# Servers (CARNET_BENCH_PEERS, default "starter features-off"; Carnet itself is always first):
#   carnet        the jar as shipped: access policy, durable access log, document rules, validation on
#                 write, notifications, token check
#   starter       ../shared/peers/build-hapi-starter.sh's ROOT.war (or CARNET_STARTER_WAR), its defaults
#                 plus the PostgreSQL datasource; no token (it has no authorization server)
#   features-off  the same jar with the policy, log, document rules, validation and notifications off,
#                 bytes inline in the Binary rows (it still checks the token)
# Every server answers searches by running them (HAPI's stored-results reuse off on all of them), so the
# search figures measure searches, not a cache.
#
# Phases and what each prints (medians of CARNET_BENCH_ROUNDS rounds, 3 by default; server CPU per unit
# from /proc: user + system time of the server's JVM during the round, divided by what it served):
#   push    ITI-65 provide bundles (SubmissionSet List + DocumentReference with SHA-1 and size + 30 KB
#           PDF-like Binary; subject by conditional INS among PATIENTS spaces) by each concurrency of
#           CONCURRENCIES for SECONDS: documents/s, p50/p95/p99, CPU ms per document; then the database
#           (and data folder) bytes per pushed document, and each server's resident memory.
#   read    GET Patient/{id} (a random space), wrk with 16 connections: requests/s, percentiles, CPU;
#           after CARNET_BENCH_READ_WARMUP seconds of reads on each server (default: CARNET_BENCH_WARMUP).
#   search  ITI-67 first page (`status=current&patient.identifier=INS`, _count=50) of one space holding
#           200 documents while FILL documents are in the database, wrk with 4 and 16 connections.
#
# Needs python3, psql, wrk, openssl, PostgreSQL on 127.0.0.1:5432 (trust). Fails if any request fails.
# CARNET_JAR: a jar already built (the smoke run of `./mvnw verify` passes it); otherwise it is built.
# CARNET_EXTRA_ARGS: more arguments for the Carnet server (to measure one part switched off).
# Usage: bench/documents.sh [seconds 30] [patients 200] [fill 100000] [concurrencies "4 16"]
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-30}
patients=${2:-200}
fill=${3:-100000}
concurrencies=${4:-"4 16"}
read_connections=${CARNET_BENCH_READ_CONNECTIONS:-16}
search_connections=${CARNET_BENCH_SEARCH_CONNECTIONS:-"4 16"}
warmup=${CARNET_BENCH_WARMUP:-5}
# Reads are short requests whose cost the JIT changes for minutes: their warm-up is its own.
read_warmup=${CARNET_BENCH_READ_WARMUP:-$warmup}
rounds=${CARNET_BENCH_ROUNDS:-3}
read -r -a peers <<< "${CARNET_BENCH_PEERS:-starter features-off}"
servers=(carnet "${peers[@]}")
command -v wrk > /dev/null || { echo "wrk is needed (Debian package wrk)" >&2; exit 1; }

jar=${CARNET_JAR:-}
if [ -z "$jar" ]; then
  ./mvnw -B -q -DskipTests -Dconformance.skip=true package
  jar=$(ls target/carnet-*.jar | grep -v original | head -n 1)
fi
war=""
if [[ " ${peers[*]} " == *" starter "* ]]; then
  war=${CARNET_STARTER_WAR:-}
  if [ -z "$war" ]; then
    [ -x ../shared/peers/build-hapi-starter.sh ] || {
      echo "The starter peer needs CARNET_STARTER_WAR or ../shared/peers/build-hapi-starter.sh" >&2; exit 1; }
    war=$(../shared/peers/build-hapi-starter.sh "$PWD/target/peers")
  fi
fi

work=$(mktemp -d)
stamp=$(date +%s)
declare -A port db pid base
# shellcheck source=lib/ports.sh
. bench/lib/ports.sh
for name in "${servers[@]}"; do
  port[$name]=$(free_port)
  db[$name]="carnet_docs_${name//-/_}_$stamp"
  psql -h 127.0.0.1 -U postgres -q -c "CREATE DATABASE ${db[$name]}"
done
all_pids=()
cleanup() {
  for each in "${all_pids[@]}"; do kill "$each" 2>/dev/null || true; done
  for each in "${all_pids[@]}"; do wait "$each" 2>/dev/null || true; done
  for name in "${servers[@]}"; do psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS ${db[$name]}" || true; done
  rm -rf "$work"
}
trap cleanup EXIT

jvm=(-Xmx1g -XX:+UseParallelGC)
features_off=(--carnet.access.unprotected-benchmark-peer=true --carnet.access.enforced=false
  --carnet.audit.enabled=false --carnet.documents.rules-enforced=false --carnet.ig.validate-writes=false
  --carnet.notify.enabled=false)
start_carnet() { # name, port, database, issuer port, extra arguments…
  local name=$1 at=$2 database=$3 issuer_port=$4; shift 4
  java "${jvm[@]}" -jar "$jar" --spring.profiles.active=demo \
    --carnet.db.url="jdbc:postgresql://127.0.0.1:5432/$database" --carnet.db.username=postgres \
    --carnet.smart.issuer="http://localhost:$issuer_port" --server.port="$at" --carnet.fhir.data-dir="$work/$name" \
    --carnet.fhir.reuse-cached-search-results=0s \
    --logging.level.ca.uhn.fhir.rest.server.interceptor.ExceptionHandlingInterceptor=ERROR "$@" > "$work/$name.log" 2>&1 &
  all_pids+=("$!")
}
start() { # name: starts it; its pid and base URL are recorded
  local name=$1
  case $name in
    # shellcheck disable=SC2086 # several arguments
    carnet) start_carnet carnet "${port[carnet]}" "${db[carnet]}" "${port[carnet]}" ${CARNET_EXTRA_ARGS:-} ;;
    features-off) start_carnet features-off "${port[$name]}" "${db[$name]}" "${port[$name]}" "${features_off[@]}" \
        --carnet.documents.binary-storage=inline ;;
    starter)
      mkdir -p "$work/starter"
      (cd "$work/starter" && exec java "${jvm[@]}" -jar "$war" --server.port="${port[starter]}" \
        --spring.datasource.url="jdbc:postgresql://127.0.0.1:5432/${db[starter]}" --spring.datasource.username=postgres \
        --spring.datasource.driverClassName=org.postgresql.Driver \
        --spring.jpa.properties.hibernate.dialect=ca.uhn.fhir.jpa.model.dialect.HapiFhirPostgresDialect \
        --hapi.fhir.reuse_cached_search_results_millis=0 > "$work/starter.log" 2>&1) &
      all_pids+=("$!") ;;
    *) echo "unknown server $name (carnet, starter, features-off)" >&2; exit 1 ;;
  esac
  pid[$name]=${all_pids[-1]}
  base[$name]="http://localhost:${port[$name]}"
  [ "$name" = starter ] && base[$name]+="#no-token"
  return 0
}
ready() { # name [demo]: waits for /metadata (and the demo data); at most CARNET_BENCH_START_TIMEOUT seconds
  local name=$1 deadline=$((SECONDS + ${CARNET_BENCH_START_TIMEOUT:-600}))
  until curl -sf --max-time 10 -o /dev/null "http://localhost:${port[$name]}/fhir/metadata"; do
    kill -0 "${pid[$name]}" 2>/dev/null || { echo "$name stopped" >&2; tail -40 "$work/$name.log"; exit 1; }
    [ "$SECONDS" -lt "$deadline" ] || { echo "$name did not answer in time" >&2; tail -40 "$work/$name.log"; exit 1; }
    sleep 1
  done
  listens_on "${pid[$name]}" "${port[$name]}" || {
    echo "$name: another process answers on port ${port[$name]}, not the server this script started" >&2
    ss -ltnpH "sport = :${port[$name]}" >&2; exit 1; }
  if [ "$name" != starter ] && [ "${2:-demo}" = demo ]; then
    until grep -q "Demo profile: loaded" "$work/$name.log"; do
      [ "$SECONDS" -lt "$deadline" ] || { echo "$name did not load its demo data in time" >&2; tail -40 "$work/$name.log"; exit 1; }
      sleep 1
    done
  fi
}
for name in "${servers[@]}"; do start "$name"; done
for name in "${servers[@]}"; do ready "$name"; done

for name in "${servers[@]}"; do
  mkdir -p "$work/data.$name"
  python3 bench/lib/documents_bench.py patients "${base[$name]}" "$patients" "$work/data.$name"
done

echo "servers: ${servers[*]}   cores: $(nproc)   java: $(java -version 2>&1 | head -n 1)   JVM: ${jvm[*]}"
echo "${seconds}s per round, $rounds rounds, $patients spaces"
fsync=$(ls /usr/lib/postgresql/*/bin/pg_test_fsync 2>/dev/null | head -n 1 || true)
if [ -n "$fsync" ]; then
  echo "pg_test_fsync (fdatasync, one 8 kB write): $(cd "$work" && "$fsync" -s 2 2>/dev/null | awk '$1 == "fdatasync" {print $2, $3; exit}')"
fi
# CPU time used by a server's JVM so far (user + system, in clock ticks).
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
order_of_round() { # round: the servers, rotated so that each goes first in turn
  local n=${#servers[@]} shift_by=$((($1 - 1) % ${#servers[@]}))
  for i in $(seq 0 $((n - 1))); do echo "${servers[$(((i + shift_by) % n))]}"; done
}
compare() { # what, file prefix, seconds
  local args=()
  for name in "${servers[@]}"; do args+=("$name=$work/$2.$name"); done
  python3 bench/lib/documents_bench.py compare "$1" "$3" "$(getconf CLK_TCK)" "${args[@]}"
}
db_bytes() { psql -h 127.0.0.1 -U postgres -tA -c "SELECT pg_database_size('$1')"; }
documents_in() { psql -h 127.0.0.1 -U postgres -d "$1" -tA -c "SELECT COUNT(*) FROM hfj_resource WHERE res_type = 'DocumentReference'"; }
declare -A bytes_before documents_before
for name in "${servers[@]}"; do
  bytes_before[$name]=$(( $(db_bytes "${db[$name]}") + $(du -sb "$work/$name" | cut -f1) ))
  documents_before[$name]=$(documents_in "${db[$name]}")
done

for concurrency in $concurrencies; do
  for name in "${servers[@]}"; do
    python3 bench/lib/documents_bench.py push "${base[$name]}" "$work/data.$name/nirs" "$concurrency" "$warmup" > /dev/null
  done
  for round in $(seq 1 "$rounds"); do
    for name in $(order_of_round "$round"); do
      before=$(cpu_ticks "${pid[$name]}")
      line=$(python3 bench/lib/documents_bench.py push "${base[$name]}" "$work/data.$name/nirs" "$concurrency" "$seconds")
      echo "$line  server-cpu-ticks $(( $(cpu_ticks "${pid[$name]}") - before ))" >> "$work/push-$concurrency.$name"
    done
  done
  compare "push c=$concurrency" "push-$concurrency" "$seconds"
done
for name in "${servers[@]}"; do
  sleep 2 # the last asynchronous writes (HAPI's search parameter rows, Lucene) land
  pushed=$(( $(documents_in "${db[$name]}") - documents_before[$name] ))
  bytes=$(( $(db_bytes "${db[$name]}") + $(du -sb "$work/$name" | cut -f1) - bytes_before[$name] ))
  echo "stored per pushed document  $name: $((bytes / pushed / 1024)) KB (database and data folder; $pushed documents)"
  echo "resident memory after the pushes  $name: $(awk '/^VmRSS/ {printf "%d MB", $2 / 1024}' "/proc/${pid[$name]}/status")"
done

# Reads and searches with wrk; each round's requests/s, latency percentiles and the server's CPU ticks.
measure() { # name, paths file, connections, seconds → "requests/s R  p50 … server-cpu-ticks N" (nothing if only warming up)
  local name=$1 token out before
  token=$(python3 bench/lib/documents_bench.py token "${base[$name]}")
  before=$(cpu_ticks "${pid[$name]}")
  out=$(PATHS=$2 TOKEN=$token wrk -t2 -c"$3" -d"$4s" -s bench/lib/random-path.lua "http://localhost:${port[$name]}")
  if grep -q "Non-2xx\|Socket errors" <<< "$out"; then
    echo "$name: failed requests during $2: $out" >&2; exit 1
  fi
  echo "requests/s $(awk '/^Requests\/sec/ {print $2}' <<< "$out")  $(grep latency-ms <<< "$out")  server-cpu-ticks $(( $(cpu_ticks "${pid[$name]}") - before ))"
}
read_rounds() { # kind, connections, paths file name, warm-up seconds
  local kind=$1 connections=$2 paths=$3 warm=${4:-$warmup}
  for name in "${servers[@]}"; do measure "$name" "$work/data.$name/$paths" "$connections" "$warm" > /dev/null; done
  for round in $(seq 1 "$rounds"); do
    for name in $(order_of_round "$round"); do
      measure "$name" "$work/data.$name/$paths" "$connections" "$seconds" >> "$work/$kind-$connections.$name"
    done
  done
  compare "$kind c=$connections" "$kind-$connections" "$seconds"
}
read_rounds read "$read_connections" patient.paths "$read_warmup"

# ITI-67: one space with 200 documents among FILL in each database. Carnet's background documents are
# written through a second server on its database with the document rules and validation off (ten
# times faster to fill); the searched space's 200 are pushed through each server itself.
for name in "${servers[@]}"; do
  others=$((fill - $(documents_in "${db[$name]}") - 200))
  target=$name
  if [ "$others" -gt 0 ] && [ "$name" = carnet ]; then
    port[filler]=$(free_port)
    start_carnet filler "${port[filler]}" "${db[carnet]}" "${port[carnet]}" "${features_off[@]}"
    pid[filler]=${all_pids[-1]}
    ready filler loaded-by-carnet
    target=filler
  fi
  if [ "$others" -gt 0 ]; then
    per_space=$(( (others + patients - 2) / (patients - 1) ))
    target_base="http://localhost:${port[$target]}"
    [ "$name" = starter ] && target_base+="#no-token"
    sed -n "2,${patients}p" "$work/data.$name/nirs" | while read -r nir; do
      python3 bench/lib/documents_bench.py fill "$target_base" "$nir" "$per_space" "${base[$name]}"
    done
  fi
  [ "$target" = filler ] && kill "${pid[filler]}"
  searched=$(head -n 1 "$work/data.$name/nirs")
  python3 bench/lib/documents_bench.py fill "${base[$name]}" "$searched" 200
  echo "/fhir/DocumentReference?status=current&patient.identifier=urn:oid:1.2.250.1.213.1.4.11%7C$searched&_count=50" \
    > "$work/data.$name/search.paths"
  # The page answers 50 of the space's documents on every server before anything is measured.
  python3 bench/lib/documents_bench.py find "${base[$name]}" "$searched" 1 50 > /dev/null
  echo "DocumentReferences in $name's database: $(documents_in "${db[$name]}")"
done
for connections in $search_connections; do
  read_rounds search "$connections" search.paths
done
