#!/usr/bin/env python3
"""Helpers of bench/export.sh, standard library only.

  load BASE SPACES PER_SPACE [TOKEN_BASE]
        SPACES spaces in the demo hospital's care, each written in one transaction: its Patient (INS), a
        CareTeam naming the hospital, and PER_SPACE resources, half DocumentReferences (PDSm metadata,
        a few bytes inline) and half Observations; the token from TOKEN_BASE's authorization server.
        CARNET_BENCH_PHOTO_BYTES: each Patient also holds a photo of that many random bytes, inline
  export BASE [TYPES]
        a Bulk Data system-level export (kick-off, status polled every 200 ms, every file downloaded and
        its lines counted); prints resources, seconds to the manifest, seconds in all, resources/s

A BASE ending in "#no-token" is a server without an authorization server (the stock HAPI starter).
Every HTTP call has a timeout (CARNET_BENCH_HTTP_TIMEOUT, 60 s); the export waits at most
CARNET_BENCH_EXPORT_TIMEOUT seconds (900); any failure exits non-zero with a message.
"""
import base64
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import access_bench  # noqa: E402
import documents_bench  # noqa: E402

HOSPITAL_ORGANIZATION = "1750000000"
EXPORT_TIMEOUT = float(os.environ.get("CARNET_BENCH_EXPORT_TIMEOUT", "900"))


def space_bundle(per_space):
    patient = "urn:uuid:" + str(uuid.uuid4())
    entries = [
        {"fullUrl": patient, "request": {"method": "POST", "url": "Patient"}, "resource": {
            "resourceType": "Patient",
            "identifier": [{"type": {"coding": [{"system": "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203",
                                                 "code": "INS-NIR"}]},
                            "system": documents_bench.INS_SYSTEM, "value": access_bench.nir()}],
            "name": [{"use": "official", "family": "Export", "given": ["Banc"]}],
            "gender": "female", "birthDate": "1980-02-02"}},
        {"request": {"method": "POST", "url": "CareTeam"}, "resource": {
            "resourceType": "CareTeam", "status": "active", "subject": {"reference": patient},
            "participant": [{"member": {"identifier": {"system": "urn:oid:1.2.250.1.71.4.2.2", "value": HOSPITAL_ORGANIZATION}}}]}}]
    photo_bytes = int(os.environ.get("CARNET_BENCH_PHOTO_BYTES", "0"))
    if photo_bytes:
        entries[0]["resource"]["photo"] = [{"contentType": "image/jpeg",
                                            "data": base64.b64encode(os.urandom(photo_bytes)).decode("ascii")}]
    for n in range(per_space):
        if n % 2 == 0:
            resource = access_bench.document(patient, access_bench.TYPES[n % len(access_bench.TYPES)], "Document %d" % n,
                                             b"Compte rendu %d" % n)
        else:
            resource = {"resourceType": "Observation", "status": "final",
                        "code": {"coding": [{"system": "http://loinc.org", "code": "2345-7", "display": "Glucose"}]},
                        "subject": {"reference": patient}, "effectiveDateTime": "2026-11-24T10:00:00+01:00",
                        "valueQuantity": {"value": 5.2 + n / 100, "unit": "mmol/L", "system": "http://unitsofmeasure.org",
                                          "code": "mmol/L"}}
        entries.append({"request": {"method": "POST", "url": resource["resourceType"]}, "resource": resource})
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def load(base, spaces, per_space, token_base=None):
    token = documents_bench.bearer(token_base or base)
    server = documents_bench.server(base)
    started = token_time = time.monotonic()
    for s in range(spaces):
        if time.monotonic() - token_time > 200:  # tokens last 5 minutes
            token, token_time = documents_bench.bearer(token_base or base), time.monotonic()
        bundle = space_bundle(per_space)
        documents_bench.created(documents_bench.post(server, "/fhir", token, bundle), len(bundle["entry"]), "load")
    print("loaded %d spaces, %d resources in %.0f s" % (spaces, spaces * (per_space + 2), time.monotonic() - started))


def request(url, token, method="GET", accept="application/fhir+json", prefer=None):
    headers = documents_bench.headers(token, Accept=accept)
    if prefer:
        headers["Prefer"] = prefer
    return urllib.request.Request(url, headers=headers, method=method)


def export(base, types="Patient,DocumentReference,Observation"):
    token = documents_bench.bearer(base)
    server = documents_bench.server(base)
    started = time.monotonic()
    kick = request(server + "/fhir/$export?_type=" + types, token, prefer="respond-async")
    try:
        with urllib.request.urlopen(kick, timeout=documents_bench.HTTP_TIMEOUT) as response:
            status_url = response.headers["Content-Location"]
    except urllib.error.HTTPError as e:
        raise documents_bench.BenchFailure("kick-off: %s %s" % (e.code, e.read()[:300]))
    manifest = None
    while manifest is None:
        if time.monotonic() - started > EXPORT_TIMEOUT:
            raise documents_bench.BenchFailure("the export did not complete in %.0f s" % EXPORT_TIMEOUT)
        with urllib.request.urlopen(request(status_url, token, accept="application/json"),
                                    timeout=documents_bench.HTTP_TIMEOUT) as response:
            if response.status == 200:
                manifest = json.load(response)
                break
        time.sleep(0.2)
    to_manifest = time.monotonic() - started
    resources = 0
    for output in manifest["output"]:
        counted = 0
        with urllib.request.urlopen(request(output["url"], token if manifest.get("requiresAccessToken") else None,
                                            accept="application/fhir+ndjson"), timeout=documents_bench.HTTP_TIMEOUT) as file:
            for line in file:
                if line.strip():
                    counted += 1
        if counted != output.get("count", counted):
            raise documents_bench.BenchFailure("%s: %d lines, the manifest says %s" % (output["url"], counted, output["count"]))
        resources += counted
    total = time.monotonic() - started
    if resources == 0:
        raise documents_bench.BenchFailure("the export held no resource")
    print("resources %d  to-manifest %.1f s  total %.1f s  resources/s %.0f" % (resources, to_manifest, total, resources / total))


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    try:
        if command == "load":
            load(args[0], int(args[1]), int(args[2]), args[3] if len(args) > 3 else None)
        elif command == "export":
            export(*args)
        else:
            raise SystemExit("unknown command " + command)
    except (documents_bench.BenchFailure, urllib.error.URLError, OSError) as e:
        print("export bench: %s" % e, file=sys.stderr)
        sys.exit(1)
