#!/usr/bin/env bash
# Reads at steady state: GET Patient/{id} on Carnet as shipped (token check, access policy, durable access
# log) and on the stock HAPI starter 8.8.0, ONE SERVER AT A TIME on the machine (the other is stopped), each
# on a fresh PostgreSQL database with 50 spaces, after WARM seconds of the same reads (the JIT takes minutes
# to settle on two cores), then SECONDS measured; ROUNDS rounds, the order alternating. Prints each
# measurement (requests/s, latency, server CPU per read) and the ratio of each round.
# Needs python3, psql, wrk, openssl; CARNET_JAR and CARNET_STARTER_WAR as for documents.sh.
# Usage: bench/reads.sh [rounds 2] [warm 100] [seconds 40]
set -euo pipefail
# shellcheck source=lib/ports.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/ports.sh"
cd "$(dirname "$0")/.."
rounds=${1:-2}
warm=${2:-100}
seconds=${3:-40}
# shellcheck source=lib/builds.sh
source bench/lib/builds.sh
jar=$(carnet_jar)
war=$(starter_war)
command -v wrk > /dev/null || { echo "wrk is needed (Debian package wrk)" >&2; exit 1; }
work=$(mktemp -d)
server_pid=""
database=""
cleanup() {
  [ -n "$server_pid" ] && { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; }
  [ -n "$database" ] && psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS $database" || true
  rm -rf "$work"
}
trap cleanup EXIT

measure() { # name → "requests/s R latency-ms … cpu-ms/read C"
  local name=$1 port base
  port=$(free_port)
  database="carnet_reads_${name}_$(date +%s)"
  psql -h 127.0.0.1 -U postgres -q -c "CREATE DATABASE $database"
  rm -rf "$work/data"; mkdir -p "$work/data"
  if [ "$name" = starter ]; then
    (cd "$work/data" && exec java -Xmx1g -XX:+UseParallelGC -jar "$war" --server.port="$port" \
      --spring.datasource.url="jdbc:postgresql://127.0.0.1:5432/$database" --spring.datasource.username=postgres \
      --spring.datasource.driverClassName=org.postgresql.Driver \
      --spring.jpa.properties.hibernate.dialect=ca.uhn.fhir.jpa.model.dialect.HapiFhirPostgresDialect \
      > "$work/server.log" 2>&1) &
    base="http://localhost:$port#no-token"
  else
    java -Xmx1g -XX:+UseParallelGC -jar "$jar" --spring.profiles.active=demo \
      --carnet.db.url="jdbc:postgresql://127.0.0.1:5432/$database" --carnet.db.username=postgres \
      --carnet.smart.issuer="http://localhost:$port" --server.port="$port" --carnet.fhir.data-dir="$work/data" \
      > "$work/server.log" 2>&1 &
    base="http://localhost:$port"
  fi
  server_pid=$!
  local deadline=$((SECONDS + 600))
  until curl -sf --max-time 10 -o /dev/null "http://localhost:$port/fhir/metadata" \
      && { [ "$name" = starter ] || grep -q "Demo profile: loaded" "$work/server.log"; }; do
    kill -0 "$server_pid" 2>/dev/null || { echo "$name stopped" >&2; tail -30 "$work/server.log" >&2; exit 1; }
    [ "$SECONDS" -lt "$deadline" ] || { echo "$name did not start in time" >&2; exit 1; }
    sleep 1
  done
  python3 bench/lib/documents_bench.py patients "$base" 50 "$work" > /dev/null
  local token jvm_pid before after out
  token=$(python3 bench/lib/documents_bench.py token "$base")
  jvm_pid=$(pgrep -f -- "--server.port=$port" | head -n 1)
  PATHS="$work/patient.paths" TOKEN=$token wrk -t2 -c16 -d"${warm}s" -s bench/lib/random-path.lua "http://localhost:$port" > /dev/null
  before=$(awk '{print $14 + $15}' "/proc/$jvm_pid/stat")
  out=$(PATHS="$work/patient.paths" TOKEN=$token wrk -t2 -c16 -d"${seconds}s" -s bench/lib/random-path.lua "http://localhost:$port")
  after=$(awk '{print $14 + $15}' "/proc/$jvm_pid/stat")
  if grep -q "Non-2xx\|Socket errors" <<< "$out"; then echo "$name: failed requests: $out" >&2; exit 1; fi
  local rate
  rate=$(awk '/^Requests\/sec/ {print $2}' <<< "$out")
  echo "requests/s $rate  $(grep latency-ms <<< "$out")  cpu-ms/read $(python3 -c "print(round(($after - $before) * 1000 / $(getconf CLK_TCK) / ($rate * $seconds), 3))")"
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
  psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS $database"; database=""
}

echo "GET Patient/{id}, 16 connections, ${warm}s warm-up, ${seconds}s measured, one server at a time, $(nproc) cores"
for round in $(seq 1 "$rounds"); do
  order=(starter carnet)
  [ $((round % 2)) -eq 0 ] && order=(carnet starter)
  declare -A rate=()
  for name in "${order[@]}"; do
    line=$(measure "$name")
    echo "round $round  $name  $line"
    rate[$name]=$(awk '{print $2}' <<< "$line")
  done
  echo "round $round  carnet / starter: $(python3 -c "print(round(${rate[carnet]} / ${rate[starter]}, 2))")"
done
