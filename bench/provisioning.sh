#!/usr/bin/env bash
# Provisioning benchmark: how fast Carnet takes the insured registry in, and what opening the spaces costs
# when their six weeks pass (docs/space.md).
#
# 1. Carnet's administrator command (the jar as shipped, a fresh PostgreSQL database each) provisions a
#    generated registry of SMALL lines, then one of LINES lines (NDJSON; one line in 1,000 refused, one in
#    500 a repeat): spaces created per second (from the run's own start and end in the database), and the
#    command's maximum resident memory for both sizes (flat memory: the same for ten times the lines).
# 2. The peer: the stock HAPI JPA starter 8.8.0 (../shared/peers, or CARNET_STARTER_WAR), same JVM flags,
#    same PostgreSQL, given PEER_COUNT persons of the same registry as Patients in FHIR transactions of
#    conditional creates (idempotent on the INS), one client thread: Patients created per second.
# 3. The opening job: a Carnet server on the provisioned database, OPEN_COUNT persons' opposition deadline
#    moved into the past; time and server CPU until their spaces are open, per space and per million.
#
# Needs python3, psql, bc, /usr/bin/time, PostgreSQL on 127.0.0.1:5432 (trust). CARNET_JAR: a jar already
# built. CARNET_BENCH_PEERS="" skips the peer.
# Usage: bench/provisioning.sh [LINES 1000000] [SMALL 100000] [PEER_COUNT 50000] [OPEN_COUNT 2000]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/builds.sh

lines=${1:-1000000}
small=${2:-100000}
peer_count=${3:-50000}
open_count=${4:-2000}
jar=$(carnet_jar)
jvm=(-Xmx1g -XX:+UseParallelGC)
work=$(mktemp -d)
databases=()
pid=""
cleanup() {
  [ -n "$pid" ] && { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
  for database in "${databases[@]}"; do psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS $database" || true; done
  rm -rf "$work"
}
trap cleanup EXIT
new_database() {
  local database="carnet_provisioning_$1_$(date +%s)"
  psql -h 127.0.0.1 -U postgres -q -c "CREATE DATABASE $database"
  databases+=("$database")
  echo "$database"
}
query() { psql -h 127.0.0.1 -U postgres -d "$1" -tA -c "$2"; }
# shellcheck source=lib/ports.sh
. bench/lib/ports.sh

echo "cores: $(nproc)   java: $(java -version 2>&1 | head -n 1)"
python3 bench/lib/registry_gen.py "$work/small.ndjson" "$small" > /dev/null
python3 bench/lib/registry_gen.py "$work/registry.ndjson" "$lines" > /dev/null

provision() { # file → database name; prints the figures
  local file=$1 database
  database=$(new_database "$(basename "$file" .ndjson)")
  /usr/bin/time -f "%M %e %U %S" -o "$work/time" java "${jvm[@]}" -jar "$jar" --spring.main.web-application-type=none \
    --carnet.db.url="jdbc:postgresql://127.0.0.1:5432/$database" --carnet.db.username=postgres \
    --carnet.fhir.data-dir="$work/data-$database" --carnet.search.lucene-directory=local-heap \
    --carnet.notify.delivery.poll-interval=1h --carnet.agenda.reminders.enabled=false --carnet.space.opening.enabled=false \
    --carnet.admin.provision="$file" > "$work/command-$database.log" 2>&1 \
    || { echo "the command failed" >&2; tail -30 "$work/command-$database.log" >&2; exit 1; }
  read -r rss wall user sys < "$work/time"
  IFS='|' read -r done created updated unchanged refused seconds < <(query "$database" "SELECT lines_done, created, updated,
    unchanged, rejected, EXTRACT(EPOCH FROM finished - started) FROM carnet_provisioning_run")
  printf 'carnet command, %s lines: %s created, %s updated, %s unchanged, %s refused in %.1f s: %.0f lines/s, %.0f spaces created/s; max RSS %d MB (whole command %.0f s wall, %.0f s CPU)\n' \
    "$done" "$created" "$updated" "$unchanged" "$refused" "$seconds" "$(echo "$done / $seconds" | bc -l)" \
    "$(echo "$created / $seconds" | bc -l)" "$((rss / 1024))" "$wall" "$(echo "$user + $sys" | bc -l)" >&2
  echo "$database"
}
provision "$work/small.ndjson" > /dev/null
database=$(provision "$work/registry.ndjson")
grep -m1 "lines/s" "$work/command-$database.log" | tr '\r' '\n' | tail -n 1 | sed 's/^/last progress line: /' || true

if [ -n "${CARNET_BENCH_PEERS-starter}" ]; then
  war=$(starter_war)
  peer_database=$(new_database peer)
  port=$(free_port)
  mkdir -p "$work/starter"
  (cd "$work/starter" && exec java "${jvm[@]}" -jar "$war" --server.port="$port" \
    --spring.datasource.url="jdbc:postgresql://127.0.0.1:5432/$peer_database" --spring.datasource.username=postgres \
    --spring.datasource.driverClassName=org.postgresql.Driver \
    --spring.jpa.properties.hibernate.dialect=ca.uhn.fhir.jpa.model.dialect.HapiFhirPostgresDialect > "$work/starter.log" 2>&1) &
  pid=$!
  deadline=$((SECONDS + ${CARNET_BENCH_START_TIMEOUT:-600}))
  until curl -sf --max-time 10 -o /dev/null "http://localhost:$port/fhir/metadata"; do
    kill -0 "$pid" 2>/dev/null || { echo "the starter stopped" >&2; tail -30 "$work/starter.log"; exit 1; }
    [ "$SECONDS" -lt "$deadline" ] || { echo "the starter did not start in time" >&2; exit 1; }
    sleep 1
  done
  python3 bench/lib/provisioning_bench.py peer "http://localhost:$port" "$work/registry.ndjson" "$peer_count"
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
fi

# The opening job on the provisioned database: a server started with nothing due, then OPEN_COUNT persons'
# deadlines moved into the past; measured until their spaces are open.
port=$(free_port)
java "${jvm[@]}" -jar "$jar" \
  --carnet.db.url="jdbc:postgresql://127.0.0.1:5432/$database" --carnet.db.username=postgres \
  --carnet.smart.issuer="http://localhost:$port" --server.port="$port" --carnet.fhir.data-dir="$work/data-open" \
  --carnet.search.lucene-directory=local-heap --carnet.notify.delivery.poll-interval=1h \
  --carnet.agenda.reminders.enabled=false --carnet.space.opening.poll-interval=1s > "$work/opening.log" 2>&1 &
pid=$!
deadline=$((SECONDS + ${CARNET_BENCH_START_TIMEOUT:-600}))
until grep -q "Started CarnetApplication" "$work/opening.log"; do
  kill -0 "$pid" 2>/dev/null || { echo "Carnet stopped" >&2; tail -30 "$work/opening.log"; exit 1; }
  [ "$SECONDS" -lt "$deadline" ] || { echo "Carnet did not start in time" >&2; exit 1; }
  sleep 1
done
sleep 10
cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
before=$(cpu_ticks)
began=$(date +%s.%N)
query "$database" "UPDATE carnet_space_registry SET opposition_deadline = CURRENT_TIMESTAMP - INTERVAL '1 minute' WHERE ins IN
  (SELECT ins FROM carnet_space_registry WHERE state = 'NOTIFIED' ORDER BY ins FETCH FIRST $open_count ROWS ONLY)" > /dev/null
while [ "$(query "$database" "SELECT COUNT(*) FROM carnet_space_registry WHERE state = 'NOTIFIED' AND opposition_deadline <= CURRENT_TIMESTAMP")" != 0 ]; do
  kill -0 "$pid" 2>/dev/null || { echo "Carnet stopped" >&2; tail -40 "$work/opening.log"; exit 1; }
  sleep 0.5
done
ended=$(date +%s.%N)
after=$(cpu_ticks)
opened=$(query "$database" "SELECT COUNT(*) FROM carnet_space_registry WHERE state = 'OPEN'")
ticks=$(getconf CLK_TCK)
printf 'opening job: %s spaces opened in %.1f s: %.1f spaces/s, server CPU %.1f ms/space = %.1f CPU-hours per million deadlines\n' \
  "$opened" "$(echo "$ended - $began" | bc -l)" "$(echo "$opened / ($ended - $began)" | bc -l)" \
  "$(echo "($after - $before) * 1000 / $ticks / $opened" | bc -l)" "$(echo "($after - $before) / $ticks / $opened * 1000000 / 3600" | bc -l)"
