#!/usr/bin/env bash
# Reminders benchmark: how fast the once-per-cluster job computes the spaces queued for their vaccination and
# screening reminders — what a first start on an existing database (every space queued once) or a day with
# many changes costs. Each space computed: its Patient read, its Immunizations searched, the forecast, its
# ImmunizationRecommendation and screening ServiceRequests searched, validated and stored (as Carnet), its
# reminders replaced.
#
# One Carnet server (the jar as shipped, demo profile, a fresh PostgreSQL database). SPACES spaces are created
# (a Patient, its care team, IMMUNIZATIONS recorded vaccinations each; women born between 1950 and 2025, so
# that children's series, boosters and the three screening programmes all occur) while the job is idle; the
# server is then restarted with the job on (one pass every second) and the time until the queue is empty is
# measured. Prints spaces computed per second and the server JVM's CPU per space.
#
# Needs python3, psql, PostgreSQL on 127.0.0.1:5432 (trust). CARNET_JAR: a jar already built. CARNET_BENCH_JFR: a file
# to record a Java Flight Recording of the computation into (profile).
# Usage: bench/reminders.sh [spaces 1000] [immunizations per space 2]
set -euo pipefail
# shellcheck source=lib/ports.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/ports.sh"
cd "$(dirname "$0")/.."

spaces=${1:-1000}
immunizations=${2:-2}
jar=${CARNET_JAR:-}
if [ -z "$jar" ]; then
  ./mvnw -B -q -DskipTests -Dconformance.skip=true package
  jar=$(ls target/carnet-*.jar | grep -v original | head -n 1)
fi

work=$(mktemp -d)
database="carnet_reminders_$(date +%s)"
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

start() { # poll interval of the reminders' job, JVM options; waits until this server answers
  java -Xmx1g -XX:+UseParallelGC ${2:-} -jar "$jar" --spring.profiles.active=demo \
    --carnet.db.url="jdbc:postgresql://127.0.0.1:5432/$database" --carnet.db.username=postgres \
    --carnet.smart.issuer="$base" --server.port="$port" --carnet.fhir.data-dir="$work/data" \
    --carnet.agenda.reminders.poll-interval="$1" > "$work/carnet.log" 2>&1 &
  pid=$!
  local deadline=$((SECONDS + ${CARNET_BENCH_START_TIMEOUT:-600}))
  until grep -q "Started CarnetApplication" "$work/carnet.log" && curl -sf -o /dev/null "$base/fhir/metadata"; do
    kill -0 "$pid" 2>/dev/null || { echo "Carnet stopped" >&2; tail -40 "$work/carnet.log"; exit 1; }
    [ "$SECONDS" -lt "$deadline" ] || { echo "Carnet did not start in time" >&2; tail -40 "$work/carnet.log"; exit 1; }
    sleep 1
  done
}
query() { psql -h 127.0.0.1 -U postgres -d "$database" -tA -c "$1"; }

start 1h
until grep -q "Demo profile: loaded" "$work/carnet.log"; do sleep 1; done
echo "populating: $spaces spaces with $immunizations immunizations each (the job idle)"
python3 bench/lib/reminders_bench.py populate "$base" "$spaces" "$immunizations"
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
queued=$(query "SELECT COUNT(DISTINCT patient_id) FROM carnet_reminder_recompute")
echo "spaces queued: $queued"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
ticks_per_second=$(getconf CLK_TCK)
start 1s "${CARNET_BENCH_JFR:+-XX:StartFlightRecording=filename=$CARNET_BENCH_JFR,settings=profile}"
before=$(cpu_ticks)
began=$(date +%s.%N)
while [ "$(query "SELECT COUNT(*) FROM carnet_reminder_recompute WHERE not_before <= now()")" != 0 ]; do
  kill -0 "$pid" 2>/dev/null || { echo "Carnet stopped" >&2; tail -40 "$work/carnet.log"; exit 1; }
  sleep 0.5
done
ended=$(date +%s.%N)
after=$(cpu_ticks)
failed=$(grep -c "not computed" "$work/carnet.log" || true)
[ "$failed" = 0 ] || { echo "$failed spaces failed:" >&2; grep "not computed" "$work/carnet.log" | head -5 >&2; exit 1; }
recommendations=$(query "SELECT COUNT(*) FROM hfj_resource WHERE res_type = 'ImmunizationRecommendation' AND res_deleted_at IS NULL")
proposals=$(query "SELECT COUNT(*) FROM hfj_resource WHERE res_type = 'ServiceRequest' AND res_deleted_at IS NULL")
reminders=$(query "SELECT COUNT(*) FROM carnet_reminder")
echo "cores: $(nproc)   java: $(java -version 2>&1 | head -n 1)"
printf 'computed %s spaces in %.1f s: %.1f spaces/s, server CPU %.2f ms/space\n' "$queued" \
  "$(echo "$ended - $began" | bc -l)" "$(echo "$queued / ($ended - $began)" | bc -l)" \
  "$(echo "($after - $before) * 1000 / $ticks_per_second / $queued" | bc -l)"
echo "stored: $recommendations ImmunizationRecommendation, $proposals ServiceRequest (screening), $reminders reminders"
