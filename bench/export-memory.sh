#!/usr/bin/env bash
# Bulk Data export of resources holding large inline attachments, with -Xmx1g: PATIENTS spaces whose
# Patient holds a PHOTO_MB photo inline (documents' bytes stored inline: carnet.documents.binary-storage
# =inline, so nothing moves the bytes out of the resource rows), more stored JSON than the heap holds.
# Exported twice, each time by a fresh Carnet on the same database: as shipped (pages bounded by count
# and by carnet.export.page-bytes), then with pages bounded by count alone (page-bytes 100GB, as HAPI
# loads resources: HAPI issue #8374). Prints, for each, the outcome, the time, and the heap after a
# full collection before the export and, during it, the most it held after any collection (young ones
# leave the old generation's garbage in) and after a full collection (what was alive), from the GC log.
# Needs python3, psql, jcmd, PostgreSQL on 127.0.0.1:5432 (trust). CARNET_JAR: a jar already built.
# Usage: bench/export-memory.sh [patients 150] [photo MB 5]
set -euo pipefail
cd "$(dirname "$0")/.."

patients=${1:-150}
photo_mb=${2:-5}
# shellcheck source=lib/builds.sh
source bench/lib/builds.sh
jar=$(carnet_jar)
work=$(mktemp -d)
db="carnet_export_memory_$(date +%s)"
psql -h 127.0.0.1 -U postgres -q -c "CREATE DATABASE $db"
# shellcheck source=lib/ports.sh
. bench/lib/ports.sh
server=""
cleanup() {
  [ -n "$server" ] && { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
  psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS $db" || true
  [ -n "${CARNET_BENCH_KEEP:-}" ] && echo "kept $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT

port=$(free_port)
start() { # name, extra arguments…
  local name=$1; shift
  java -Xmx1g -XX:+UseParallelGC "-Xlog:gc:file=$work/$name.gc.log" -jar "$jar" --spring.profiles.active=demo \
    --carnet.db.url="jdbc:postgresql://127.0.0.1:5432/$db" --carnet.db.username=postgres \
    --carnet.smart.issuer="http://localhost:$port" --server.port="$port" --carnet.fhir.data-dir="$work/data" \
    --carnet.documents.binary-storage=inline "$@" > "$work/$name.log" 2>&1 &
  server=$!
  local deadline=$((SECONDS + 600))
  # The first server on the fresh database loads the demo data (the demo hospital's client); later ones
  # find it there and say nothing of it.
  local ready="Started CarnetApplication"
  [ "$name" = filler ] && ready="Demo profile: loaded"
  until grep -q "$ready" "$work/$name.log"; do
    kill -0 "$server" 2>/dev/null || { echo "$name stopped" >&2; tail -40 "$work/$name.log" >&2; exit 1; }
    [ "$SECONDS" -lt "$deadline" ] || { echo "$name did not start in time" >&2; exit 1; }
    sleep 1
  done
}
stop() { kill "$server"; wait "$server" 2>/dev/null || true; server=""; }
heap_after_gc_mb() { tail -n +"$2" "$work/$1.gc.log" | grep -o -- '->[0-9]*M' | tr -dc '0-9\n' | sort -n | tail -n 1 || true; }
# The same, after full collections only (what was really alive then); empty when none ran.
heap_after_full_gc_mb() { tail -n +"$2" "$work/$1.gc.log" | grep 'Pause Full' | grep -o -- '->[0-9]*M' | tr -dc '0-9\n' | sort -n | tail -n 1 || true; }

start filler --carnet.access.unprotected-benchmark-peer=true --carnet.access.enforced=false --carnet.audit.enabled=false \
  --carnet.documents.rules-enforced=false --carnet.ig.validate-writes=false --carnet.notify.enabled=false --carnet.export.enabled=false
CARNET_BENCH_PHOTO_BYTES=$((photo_mb * 1024 * 1024)) python3 bench/lib/export_bench.py load "http://localhost:$port" "$patients" 0
stop
echo "stored JSON of the Patients: $(psql -h 127.0.0.1 -U postgres -d "$db" -tA -c \
  "SELECT pg_size_pretty(SUM(LENGTH(res_text_vc))::bigint) FROM hfj_res_ver v JOIN hfj_resource r USING (res_id) WHERE r.res_type = 'Patient'")"

for run in shipped count-only; do
  extra=()
  [ "$run" = count-only ] && extra=(--carnet.export.page-bytes=100GB)
  start "$run" "${extra[@]}"
  jcmd "$server" GC.run > /dev/null
  from_line=$(wc -l < "$work/$run.gc.log")
  before=$(heap_after_gc_mb "$run" "$from_line")
  if line=$(CARNET_BENCH_EXPORT_TIMEOUT=300 python3 bench/lib/export_bench.py export "http://localhost:$port" Patient 2>&1); then
    outcome="completed: $line"
  else
    outcome="FAILED: $line$(grep -m 1 -o 'OutOfMemoryError.*' "$work/$run.log" | sed 's/^/ — /' || true)"
  fi
  during=$(heap_after_gc_mb "$run" "$((from_line + 1))"); during=${during:-$before}
  full=$(heap_after_full_gc_mb "$run" "$((from_line + 1))")
  full=${full:+$full MB}; full=${full:-none ran}
  printf '%-10s %s\n           heap after full GC %s MB; during the export, highest after any GC %s MB, after a full GC %s\n' \
    "$run" "$outcome" "$before" "$during" "$full"
  stop
done
