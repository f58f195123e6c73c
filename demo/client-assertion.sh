#!/usr/bin/env bash
# Prints a SMART Backend Services client assertion for the demo hospital: a JWT signed RS384 with
# demo/hospital-private-key.pem, valid 4 minutes, with a fresh jti. Usage:
#   demo/client-assertion.sh [token endpoint, default http://localhost:8080/oauth2/token]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
audience=${1:-http://localhost:8080/oauth2/token}
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
now=$(date +%s)
header=$(printf '{"alg":"RS384","typ":"JWT","kid":"demo-hospital-2026"}' | b64url)
payload=$(printf '{"iss":"demo-hospital","sub":"demo-hospital","aud":"%s","exp":%d,"jti":"%s"}' \
  "$audience" $((now + 240)) "$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')" | b64url)
signature=$(printf '%s.%s' "$header" "$payload" \
  | openssl dgst -sha384 -sign "$here/hospital-private-key.pem" -binary | b64url)
printf '%s.%s.%s\n' "$header" "$payload" "$signature"
