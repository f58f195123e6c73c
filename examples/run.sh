#!/usr/bin/env bash
# Runs the vendor quickstarts (examples/java, examples/js) against the jar `./mvnw package` built, as
# `./mvnw verify` does after packaging (pom.xml, execution `examples`):
#   1. builds the Java quickstart (its own small Maven project, with Carnet's wrapper);
#   2. starts target/carnet-*.jar with the demo profile on a free port and a fresh embedded data folder,
#      and waits until that very process serves the port and has loaded the demo data;
#   3. runs the Java quickstart, then the JavaScript one (Node.js 20+), each against that server;
#   4. stops the server; exits non-zero, naming what failed, if anything did.
# Environment: CARNET_JAR (default: the built jar), CARNET_EXAMPLES_START_TIMEOUT (seconds, default 600:
# a start takes ~35 s on an idle 2-core machine, minutes when it is busy).
set -euo pipefail
cd "$(dirname "$0")"
examples=$(pwd)

jar=${CARNET_JAR:-$(ls ../target/carnet-*.jar 2>/dev/null | grep -v -- '-original' | head -n 1 || true)}
[ -n "$jar" ] && [ -f "$jar" ] || { echo "examples: no Carnet jar (${jar:-none in ../target}): run ./mvnw -DskipTests package first"; exit 1; }
start_timeout=${CARNET_EXAMPLES_START_TIMEOUT:-600}
command -v node > /dev/null || { echo "examples: Node.js 20+ is needed for examples/js"; exit 1; }
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || { echo "examples: Node.js 20+ is needed for examples/js (found $(node --version))"; exit 1; }

work=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
seconds() { date +%s; }
began=$(seconds)

# 1. The Java quickstart, built first: a compile error fails fast, before a server is started.
echo "examples: building examples/java"
../mvnw -q -B -f java/pom.xml package > "$work/java-build.log" 2>&1 \
  || { echo "examples: examples/java does not build:"; tail -40 "$work/java-build.log"; exit 1; }

# 2. A server of our own: a port free now, a fresh data folder, the issuer the tokens will name.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
log="$work/carnet.log"
echo "examples: starting $(basename "$jar") on port $port (demo profile, data in $work)"
started=$(seconds)
java -Xmx1g -jar "$jar" --spring.profiles.active=demo --server.port="$port" \
  --carnet.smart.issuer="http://localhost:$port" --carnet.fhir.data-dir="$work/carnet-data" > "$log" 2>&1 &
server_pid=$!
ready=
for _ in $(seq 1 "$start_timeout"); do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "examples: the server stopped while starting (its log's last lines):"; tail -40 "$log"; exit 1
  fi
  # Ours, not another process on that port: its own log says it serves the port, then that the demo data
  # is in (DemoData runs once the application is ready), and the FHIR endpoint answers.
  if grep -q "Tomcat started on port $port " "$log" && grep -q "Demo profile: loaded" "$log" \
     && curl -sf -o /dev/null "http://localhost:$port/fhir/metadata"; then
    ready=yes; break
  fi
  sleep 1
done
[ -n "$ready" ] || { echo "examples: the server was not ready with its demo data in $start_timeout s:"; tail -40 "$log"; exit 1; }
ready_at=$(seconds)
echo "examples: server ready in $(( ready_at - started )) s"

# 3. Both quickstarts, each with its own exit status; the server's log tail if one fails.
status=0
summary=()
run_example() { # name, command…
  local name=$1; shift
  local from; from=$(seconds)
  echo "examples: ---- $name ----"
  if (cd .. && "$@"); then
    summary+=("$name OK ($(( $(seconds) - from )) s)")
  else
    summary+=("$name FAILED (exit $?)")
    status=1
  fi
}
server="http://localhost:$port"
run_example java java -jar "$examples/java/target/carnet-quickstart.jar" "$server" demo/hospital-private-key.pem
run_example js node "$examples/js/quickstart.mjs" "$server" demo/hospital-private-key.pem
if [ "$status" -ne 0 ]; then
  echo "examples: last lines of the server's log:"; tail -30 "$log"
fi

# 4. Stop the server (the trap also does it on any early exit).
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=
printf -v results '%s, ' "${summary[@]}"
echo "examples: ${results%, }; server start $(( ready_at - started )) s; total $(( $(seconds) - began )) s"
exit $status
