# Sourced by the benchmarks: where the jar under test and the peer's war come from.
# carnet_jar: CARNET_JAR, else the jar ./mvnw package builds now.
carnet_jar() {
  if [ -n "${CARNET_JAR:-}" ]; then echo "$CARNET_JAR"; return; fi
  ./mvnw -B -q -DskipTests -Dconformance.skip=true package >&2
  ls target/carnet-*.jar | grep -v original | head -n 1
}
# starter_war: CARNET_STARTER_WAR, else the stock HAPI starter built by ../shared/peers (not in a clean clone).
starter_war() {
  if [ -n "${CARNET_STARTER_WAR:-}" ]; then echo "$CARNET_STARTER_WAR"; return; fi
  [ -x ../shared/peers/build-hapi-starter.sh ] || { echo "The starter peer needs CARNET_STARTER_WAR or ../shared/peers" >&2; return 1; }
  ../shared/peers/build-hapi-starter.sh "$PWD/target/peers"
}
