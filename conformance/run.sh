#!/usr/bin/env bash
# Runs the third-party client tests against a real Carnet: the jar that `./mvnw package` built, on a
# fresh embedded data folder with the demo profile.
#   1. Keycloak (org.keycloak:keycloak-quarkus-dist from Maven Central, cached in the local Maven
#      repository, run on a Java 21+ JDK) starts with the realm of docker/keycloak/;
#   2. Carnet starts trusting that issuer: fhirclient in Chromium performs a standalone launch
#      (smart-launch.mjs) and a Keycloak token is accepted with its claims mapped (external-issuer.mjs);
#   3. Carnet restarts without that issuer: the Keycloak token is refused;
#   4. two Carnet nodes on one PostgreSQL database (psql, 127.0.0.1:5432): the first is killed during a
#      Bulk Data export, the second completes it (export-restart.mjs).
# Needs Node.js 20+, Chromium (Debian package chromium) and a JDK 21+ (KEYCLOAK_JAVA_HOME, default
# the Temurin 25 under /usr/lib/jvm).
set -euo pipefail
cd "$(dirname "$0")"

# shellcheck source=../bench/lib/ports.sh
. ../bench/lib/ports.sh
# Free ports unless given: a fixed port could be answered by another process (checked below anyway).
carnet_port=${CARNET_CONFORMANCE_PORT:-$(free_port)}
keycloak_port=${KEYCLOAK_CONFORMANCE_PORT:-$(free_port)}
# The browser tests' patient app: the demo app's loopback redirect URI at any port (RFC 8252 §7.3); Carnet lets
# that origin call it (CORS).
app_port=$(free_port)
keycloak_version=26.4.7
keycloak_java=${KEYCLOAK_JAVA_HOME:-$(ls -d /usr/lib/jvm/temurin-2[1-9]* /usr/lib/jvm/temurin-[3-9]* 2>/dev/null | head -n 1 || true)}
jar=$(ls ../target/carnet-*.jar | grep -v original | head -n 1)
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

for tool in node curl psql ss; do
  command -v "$tool" > /dev/null || { echo "conformance/run.sh needs $tool (README.md, Test)"; exit 1; }
done
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || {
  echo "conformance/run.sh needs Chromium at ${CHROMIUM:-/usr/bin/chromium}: apt-get install -y chromium (or set CHROMIUM)"
  exit 1
}

start_carnet() { # log file, extra arguments…
  local log=$1; shift
  java -Xmx1g -jar "$jar" --spring.profiles.active=demo --server.port="$carnet_port" \
    --carnet.smart.issuer="http://localhost:$carnet_port" \
    --carnet.fhir.data-dir="$work/carnet-data-$RANDOM" \
    --carnet.smart.cors-allowed-origins[0]="http://127.0.0.1:$app_port" "$@" > "$log" 2>&1 &
  carnet_pid=$!
  pids+=("$carnet_pid")
  # Readiness turns UP once the demo data is loaded (DemoData runs before the application is ready).
  wait_until_answers "http://localhost:$carnet_port/actuator/health/readiness" "$carnet_pid" "$carnet_port" "$log" 300
  grep -q "Demo profile: loaded" "$log" || { echo "Carnet is ready but did not load its demo data:"; tail -40 "$log"; return 1; }
}

stop_carnet() {
  kill "$carnet_pid"; wait "$carnet_pid" 2>/dev/null || true
}

npm ci --no-fund --no-audit --silent

# 1. Keycloak, with the realm Carnet's docker/ folder ships.
[ -n "$keycloak_java" ] || { echo "No JDK 21+ for Keycloak: set KEYCLOAK_JAVA_HOME"; exit 1; }
../mvnw -q -B dependency:copy -Dartifact="org.keycloak:keycloak-quarkus-dist:$keycloak_version:zip" \
  -DoutputDirectory="$work" > /dev/null
unzip -q "$work/keycloak-quarkus-dist-$keycloak_version.zip" -d "$work"
keycloak_home="$work/keycloak-$keycloak_version"
mkdir -p "$keycloak_home/data/import"
cp ../docker/keycloak/carnet-realm.json "$keycloak_home/data/import/"
JAVA_HOME="$keycloak_java" "$keycloak_home/bin/kc.sh" start-dev --http-port="$keycloak_port" --import-realm \
  > "$work/keycloak.log" 2>&1 &
pids+=("$!")
wait_until_answers "http://localhost:$keycloak_port/realms/carnet/.well-known/openid-configuration" "$!" "$keycloak_port" \
  "$work/keycloak.log" 180
issuer="http://localhost:$keycloak_port/realms/carnet"

# 2. Carnet trusting Keycloak.
start_carnet "$work/carnet-1.log" \
  --carnet.smart.external-issuers[0].issuer="$issuer" \
  --carnet.smart.external-issuers[0].jwk-set-uri="$issuer/protocol/openid-connect/certs" \
  --carnet.smart.external-issuers[0].audience=carnet-fhir \
  --carnet.smart.external-issuers[0].claims.client-id=azp \
  --carnet.smart.external-issuers[0].claims.organization=organisation_idnat \
  --carnet.smart.external-issuers[0].claims.sector=organisation_secteur
status=0
CARNET_URL="http://localhost:$carnet_port" APP_PORT="$app_port" node smart-launch.mjs || status=1
CARNET_URL="http://localhost:$carnet_port" APP_PORT="$app_port" node patient-pages.mjs || status=1
CARNET_URL="http://localhost:$carnet_port" KEYCLOAK_URL="http://localhost:$keycloak_port" \
  node external-issuer.mjs accepted || status=1
# The SMART Bulk Data client lives beside the project (../shared/peers), which a clean clone elsewhere
# does not have: then this test is not run, and says so (README.md).
bulk_client=${BULK_DATA_CLIENT:-}
if [ -z "$bulk_client" ] && [ -x ../../shared/peers/bulk-data-client.sh ]; then
  bulk_client="$(cd ../../shared/peers && pwd)/bulk-data-client.sh"
fi
if [ -n "$bulk_client" ]; then
  mkdir -p ../target/peers
  BULK_CLIENT_DIR="$(cd ../target/peers && pwd)" BULK_DATA_CLIENT="$bulk_client" \
    CARNET_URL="http://localhost:$carnet_port" node bulk-export.mjs || status=1
else
  echo "bulk-export.mjs NOT RUN: no SMART Bulk Data client here (../../shared/peers or BULK_DATA_CLIENT)"
fi
stop_carnet

# 3. The same Carnet without that issuer.
start_carnet "$work/carnet-2.log"
CARNET_URL="http://localhost:$carnet_port" KEYCLOAK_URL="http://localhost:$keycloak_port" \
  node external-issuer.mjs refused || status=1
stop_carnet

# 4. Two nodes on one PostgreSQL database: one killed in the middle of a Bulk Data export, the other
# takes it over and completes it (free ports of its own).
CARNET_JAR="$jar" node export-restart.mjs || status=1
exit $status
