#!/usr/bin/env bash
# Start-up benchmark: how long Carnet takes from `java -jar` to answering /fhir/metadata, and how much
# heap it holds once started, on the embedded default (H2 + local Lucene) and on PostgreSQL.
# Prints one row per run and a median per database. Usage: bench/startup.sh [runs, default 3]
set -euo pipefail
# shellcheck source=lib/ports.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/ports.sh"
cd "$(dirname "$0")/.."

runs=${1:-3}
port=${CARNET_BENCH_PORT:-$(free_port)}
pg_url=${CARNET_BENCH_PG_SERVER:-jdbc:postgresql://127.0.0.1:5432}
# Always the current code: the jar is rebuilt (tests skipped, they are not what is measured).
./mvnw -B -q -DskipTests package
jar=$(ls target/carnet-*.jar | grep -v original | head -n 1)

# One start: prints "<seconds to first metadata answer> <heap MB after start> <RSS MB>".
start_once() {
  local data_dir=$1; shift
  local begin end pid
  begin=$(date +%s.%N)
  java -Xmx1g -jar "$jar" --server.port="$port" --carnet.smart.issuer="http://localhost:$port" \
    --carnet.fhir.data-dir="$data_dir" "$@" \
    > "$data_dir.log" 2>&1 &
  pid=$!
  until curl -sf -o /dev/null "http://localhost:$port/fhir/metadata"; do
    if ! kill -0 "$pid" 2>/dev/null; then echo "server died, see $data_dir.log" >&2; exit 1; fi
    sleep 0.2
  done
  end=$(date +%s.%N)
  # Heap in use after a full collection: what the server needs to hold, not garbage.
  jcmd "$pid" GC.run > /dev/null
  local heap rss
  heap=$(curl -sf "http://localhost:$port/actuator/prometheus" \
    | awk '/^jvm_memory_used_bytes\{area="heap"/ {sum += $NF} END {printf "%d", sum / 1048576}')
  rss=$(( $(ps -o rss= -p "$pid") / 1024 ))
  kill "$pid"; wait "$pid" 2>/dev/null || true
  printf '%.1f %s %s\n' "$(awk "BEGIN {print $end - $begin}")" "$heap" "$rss"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

report() {
  local label=$1 file=$2
  printf '%-22s start %5ss  heap %5s MB  RSS %5s MB   (median of %s)\n' "$label" \
    "$(cut -d' ' -f1 "$file" | median)" "$(cut -d' ' -f2 "$file" | median)" \
    "$(cut -d' ' -f3 "$file" | median)" "$runs"
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "jar: $jar   java: $(java -version 2>&1 | head -n 1)   cores: $(nproc)"

for i in $(seq 1 "$runs"); do
  # A fresh data folder each run: the first start creates the schema, like a new installation.
  row=$(start_once "$work/embedded-$i")
  echo "embedded run $i: $row"; echo "$row" >> "$work/embedded"
done

for i in $(seq 1 "$runs"); do
  db="carnet_bench_$$_$i"
  psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $db"
  row=$(start_once "$work/pg-$i" --carnet.db.url="$pg_url/$db" --carnet.db.username=postgres --carnet.db.password=)
  psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE $db WITH (FORCE)"
  echo "postgresql run $i: $row"; echo "$row" >> "$work/pg"
done

echo
report "embedded (H2+Lucene)" "$work/embedded"
report "PostgreSQL 15" "$work/pg"
