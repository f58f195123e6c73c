#!/usr/bin/env bash
# Documents benchmark: ITI-65 provide bundles pushed into Carnet, side by side with the same bundles as
# plain FHIR transactions into a vanilla HAPI JPA configuration of the same jar (no access policy, no
# access log, no document rules, no validation, no notifications, bytes inline in the Binary rows as
# HAPI stores them by default), same JVM settings, same PostgreSQL server (one database each). Both check
# the bearer token (measured separately by token-check.sh: about 0.1 ms per request).
#
# Each bundle: a SubmissionSet List, one DocumentReference (PDSm metadata, SHA-1 and size of the bytes),
# one 30 KB PDF-like Binary; the subject is a conditional reference by INS to one of PATIENTS spaces.
# Pushed by CONCURRENCY clients (1, 4, 16) for SECONDS each, CARNET_BENCH_ROUNDS times (3; alternating which
# server goes first): documents per second, p50/p95/p99 latency of the median round, ratio of the medians.
# Then ITI-67 on Carnet: one space holding 200 documents while FILL documents are in the database,
# searched by INS and status for SECONDS: p50/p95/p99. pg_test_fsync's figure is printed beside the writes.
#
# Needs python3, psql, PostgreSQL on 127.0.0.1:5432 (trust). Fails if any push or search fails.
# CARNET_JAR: a jar already built (the smoke run of `./mvnw verify` passes it); otherwise it is built.
# CARNET_EXTRA_ARGS: more arguments for the Carnet server (to measure one part switched off).
# Usage: bench/documents.sh [seconds 30] [patients 200] [fill 100000] [concurrencies "1 4 16"]
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-30}
patients=${2:-200}
fill=${3:-100000}
concurrencies=${4:-"1 4 16"}
warmup=${CARNET_BENCH_WARMUP:-5}
rounds=${CARNET_BENCH_ROUNDS:-3}
on_port=${CARNET_BENCH_PORT:-18093}
off_port=$((on_port + 1))

jar=${CARNET_JAR:-}
if [ -z "$jar" ]; then
  ./mvnw -B -q -DskipTests -Dconformance.skip=true package
  jar=$(ls target/carnet-*.jar | grep -v original | head -n 1)
fi
work=$(mktemp -d)
stamp=$(date +%s)
on_db="carnet_docs_on_$stamp"
off_db="carnet_docs_off_$stamp"
psql -h 127.0.0.1 -U postgres -q -c "CREATE DATABASE $on_db" -c "CREATE DATABASE $off_db"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS $on_db" -c "DROP DATABASE IF EXISTS $off_db" || true
  rm -rf "$work"
}
trap cleanup EXIT

# Both servers start at once; each is awaited before use.
start() { # name, port, database, issuer port, extra arguments…
  local name=$1 port=$2 database=$3 issuer_port=$4; shift 4
  java -Xmx1g -XX:+UseParallelGC -jar "$jar" --spring.profiles.active=demo \
    --carnet.db.url="jdbc:postgresql://127.0.0.1:5432/$database" --carnet.db.username=postgres \
    --carnet.smart.issuer="http://localhost:$issuer_port" --server.port="$port" --carnet.fhir.data-dir="$work/$name" \
    --logging.level.ca.uhn.fhir.rest.server.interceptor.ExceptionHandlingInterceptor=ERROR "$@" > "$work/$name.log" 2>&1 &
  pids+=("$!")
}
ready() { # name, port, pid [fresh: wait for the demo data too]; at most CARNET_BENCH_START_TIMEOUT seconds
  local deadline=$((SECONDS + ${CARNET_BENCH_START_TIMEOUT:-600}))
  until curl -sf --max-time 10 -o /dev/null "http://localhost:$2/fhir/metadata"; do
    kill -0 "$3" 2>/dev/null || { tail -40 "$work/$1.log"; exit 1; }
    [ "$SECONDS" -lt "$deadline" ] || { echo "$1 did not answer in time" >&2; tail -40 "$work/$1.log"; exit 1; }
    sleep 1
  done
  if [ "${4:-fresh}" = fresh ]; then
    until grep -q "Demo profile: loaded" "$work/$1.log"; do
      [ "$SECONDS" -lt "$deadline" ] || { echo "$1 did not load its demo data in time" >&2; tail -40 "$work/$1.log"; exit 1; }
      sleep 1
    done
  fi
}
# shellcheck disable=SC2086 # several arguments
start carnet "$on_port" "$on_db" "$on_port" ${CARNET_EXTRA_ARGS:-}
start vanilla "$off_port" "$off_db" "$off_port" --carnet.access.unprotected-benchmark-peer=true --carnet.access.enforced=false \
  --carnet.audit.enabled=false --carnet.documents.rules-enforced=false --carnet.ig.validate-writes=false \
  --carnet.notify.enabled=false --carnet.documents.binary-storage=inline
ready carnet "$on_port" "${pids[0]}"
ready vanilla "$off_port" "${pids[1]}"

mkdir -p "$work/on" "$work/off"
python3 bench/lib/documents_bench.py patients "http://localhost:$on_port" "$patients" "$work/on"
python3 bench/lib/documents_bench.py patients "http://localhost:$off_port" "$patients" "$work/off"

echo "cores: $(nproc)   java: $(java -version 2>&1 | head -n 1)   ${seconds}s per run, $patients spaces"
fsync=$(ls /usr/lib/postgresql/*/bin/pg_test_fsync 2>/dev/null | head -n 1 || true)
if [ -n "$fsync" ]; then
  echo "pg_test_fsync (fdatasync, one 8 kB write): $(cd "$work" && "$fsync" -s 2 2>/dev/null | awk '$1 == "fdatasync" {print $2, $3; exit}')"
fi
# CPU time used by a server's JVM so far (user + system, in clock ticks): its CPU per pushed document
# is the steadier figure on a machine whose load generator and database share the cores.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
for concurrency in $concurrencies; do
  # warm-up of both, then ROUNDS measured runs of each, alternating which goes first (the machine's
  # background noise is shared fairly); the medians are compared.
  python3 bench/lib/documents_bench.py push "http://localhost:$on_port" "$work/on/nirs" "$concurrency" "$warmup" > /dev/null
  python3 bench/lib/documents_bench.py push "http://localhost:$off_port" "$work/off/nirs" "$concurrency" "$warmup" > /dev/null
  : > "$work/carnet.$concurrency"; : > "$work/vanilla.$concurrency"
  for round in $(seq 1 "$rounds"); do
    order="carnet vanilla"; [ $((round % 2)) -eq 0 ] && order="vanilla carnet"
    for server in $order; do
      if [ "$server" = carnet ]; then port=$on_port; side=on; else port=$off_port; side=off; fi
      pid=${pids[0]}; [ "$server" = vanilla ] && pid=${pids[1]}
      before=$(cpu_ticks "$pid")
      line=$(python3 bench/lib/documents_bench.py push "http://localhost:$port" "$work/$side/nirs" "$concurrency" "$seconds")
      echo "$line  server-cpu-ticks $(( $(cpu_ticks "$pid") - before ))" >> "$work/$server.$concurrency"
    done
  done
  python3 bench/lib/documents_bench.py compare "$concurrency" "$work/carnet.$concurrency" "$work/vanilla.$concurrency" \
    "$seconds" "$(getconf CLK_TCK)"
done

# ITI-67: one space with 200 documents among FILL. The background documents are written through a third
# server on Carnet's database with the document rules and validation off (ten times faster to fill);
# the searched space's 200 are pushed through Carnet itself.
stored=$(psql -h 127.0.0.1 -U postgres -d "$on_db" -tA -c "SELECT COUNT(*) FROM hfj_resource WHERE res_type = 'DocumentReference'")
others=$((fill - stored - 200))
if [ "$others" -gt 0 ]; then
  filler_port=$((on_port + 2))
  # Tokens of Carnet's authorization server (same database, same keys) are good on the filler too.
  start filler "$filler_port" "$on_db" "$on_port" --carnet.access.unprotected-benchmark-peer=true --carnet.access.enforced=false \
    --carnet.audit.enabled=false --carnet.documents.rules-enforced=false --carnet.ig.validate-writes=false \
    --carnet.notify.enabled=false
  ready filler "$filler_port" "${pids[2]}" loaded-by-carnet
  per_space=$(( (others + patients - 2) / (patients - 1) ))
  sed -n "2,${patients}p" "$work/on/nirs" | while read -r nir; do
    python3 bench/lib/documents_bench.py fill "http://localhost:$filler_port" "$nir" "$per_space" "http://localhost:$on_port"
  done
  kill "${pids[2]}"
fi
searched=$(head -n 1 "$work/on/nirs")
python3 bench/lib/documents_bench.py fill "http://localhost:$on_port" "$searched" 200
total=$(psql -h 127.0.0.1 -U postgres -d "$on_db" -tA -c "SELECT COUNT(*) FROM hfj_resource WHERE res_type = 'DocumentReference'")
echo "DocumentReferences in the database: $total"
python3 bench/lib/documents_bench.py find "http://localhost:$on_port" "$searched" "$seconds"
