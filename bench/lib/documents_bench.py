#!/usr/bin/env python3
"""Helpers of bench/documents.sh, standard library only.

  patients BASE COUNT OUT_DIR          spaces with an INS, in the demo hospital's care; writes their NIRs
                                       (OUT_DIR/nirs) and the paths to read them (OUT_DIR/patient.paths)
  push BASE NIRS CONCURRENCY SECONDS   ITI-65 provide bundles (SubmissionSet + DocumentReference + 30 KB
                                       PDF-like Binary, subject by conditional INS) pushed by CONCURRENCY
                                       clients for SECONDS; prints documents/s and latency percentiles
  fill BASE NIR COUNT [TOKEN_BASE]     COUNT small documents into one space (ITI-105, 100 per transaction);
                                       the token from TOKEN_BASE's authorization server if given
  find BASE NIR SECONDS [AT_LEAST]     ITI-67 searches of one space, one at a time; prints latency percentiles;
                                       fails if a search answers fewer than AT_LEAST (1) documents
  token BASE                           the demo hospital's access token (nothing for a server without one)
  compare WHAT SECONDS TICKS NAME=FILE...
                                       the rounds of each server (lines "<rate> ... server-cpu-ticks N"):
                                       medians, CPU per unit, and the first server's ratios to each other

A BASE (or TOKEN_BASE) ending in "#no-token" is a server without an authorization server (the stock HAPI
starter): no token is fetched or sent.

Every command exits non-zero with a message on stderr when something it drives fails (an HTTP error, a
search that finds nothing, a client thread that dies), and nothing waits without a limit: every HTTP
call has a timeout (CARNET_BENCH_HTTP_TIMEOUT seconds, 60 by default) and every wait a deadline.
"""
import base64
import hashlib
import http.client
import json
import os
import random
import secrets
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import access_bench  # noqa: E402  (the demo hospital's token, the PDSm document shape)

INS_SYSTEM = "urn:oid:1.2.250.1.213.1.4.11"
HTTP_TIMEOUT = access_bench.HTTP_TIMEOUT


class BenchFailure(Exception):
    """Something the benchmark drives failed: the run must not report figures."""


NO_TOKEN = "#no-token"


def bearer(base):
    """The demo hospital's token from BASE's authorization server, or None for a server without one."""
    return None if base.endswith(NO_TOKEN) else access_bench.hospital_token(base)


def server(base):
    return base[: -len(NO_TOKEN)] if base.endswith(NO_TOKEN) else base


def headers(token, **more):
    return dict(more, **({"Authorization": "Bearer " + token} if token else {}))


def patients(base, count, out_dir):
    token = bearer(base)
    base = server(base)
    ids = []
    nirs = []
    for first in range(0, count, 50):
        entries = []
        for p in range(first, min(count, first + 50)):
            nir = access_bench.nir()
            nirs.append(nir)
            placeholder = "urn:uuid:" + str(uuid.uuid4())
            entries.append({"fullUrl": placeholder, "request": {"method": "POST", "url": "Patient"}, "resource": {
                "resourceType": "Patient",
                "identifier": [{"type": {"coding": [{"system": "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203",
                                                     "code": "INS-NIR"}]}, "system": INS_SYSTEM, "value": nir}],
                "name": [{"use": "official", "family": "Banc", "given": ["Document%d" % p]}],
                "gender": "male", "birthDate": "1975-05-05"}})
            entries.append({"request": {"method": "POST", "url": "CareTeam"}, "resource": {
                "resourceType": "CareTeam", "status": "active", "subject": {"reference": placeholder},
                "participant": [{"member": {"identifier": {"system": "urn:oid:1.2.250.1.71.4.2.2", "value": "1750000000"}}},
                                {"member": {"identifier": {"system": "urn:oid:1.2.250.1.71.4.2.1",
                                                           "value": access_bench.DEMO_GP_IDNAT}}}]}})
        answer = created(post(base, "/fhir", token, {"resourceType": "Bundle", "type": "transaction", "entry": entries}),
                         len(entries), "spaces")
        ids.extend(entry["response"]["location"].split("/_history")[0] for entry in answer["entry"]
                   if entry["response"]["location"].startswith("Patient/"))
    with open(os.path.join(out_dir, "nirs"), "w") as f:
        f.write("\n".join(nirs) + "\n")
    with open(os.path.join(out_dir, "patient.paths"), "w") as f:
        f.write("\n".join("/fhir/" + id for id in ids) + "\n")


def post(base, path, token, body):
    request = urllib.request.Request(base + path, json.dumps(body).encode(),
                                     headers(token, **{"Content-Type": "application/fhir+json"}))
    with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
        return json.load(response)


def created(answer, expected, what):
    """The transaction-response of a transaction that had to create every one of its entries."""
    statuses = [entry.get("response", {}).get("status", "") for entry in answer.get("entry", [])]
    if len(statuses) != expected or not all(status.startswith("201") for status in statuses):
        raise BenchFailure("%s: the transaction created %d of %d entries (%s)" % (
            what, sum(status.startswith("201") for status in statuses), expected, ", ".join(sorted(set(statuses)))))
    return answer


def pdf_like(size):
    """Bytes that look like a PDF (header, random body, trailer): realistic size, incompressible."""
    body = base64.b64encode(os.urandom(size * 3 // 4))[: size - 32]
    return b"%PDF-1.4\n" + body + b"\n%%EOF\n" + b" " * max(0, size - 32 - len(body) + 16)


def provide_bundle(nir, pdf, pdf_hash, pdf_base64):
    subject = {"reference": "Patient?identifier=%s|%s" % (INS_SYSTEM, nir)}
    document_uuid, binary_uuid = "urn:uuid:" + str(uuid.uuid4()), "urn:uuid:" + str(uuid.uuid4())
    document = access_bench.document("placeholder", "11502-2", "Compte rendu de biologie", b"")
    document["subject"] = subject
    document["content"] = [{"attachment": {"contentType": "application/pdf", "url": binary_uuid, "size": len(pdf),
                                           "hash": pdf_hash, "title": "Compte rendu de biologie"}}]
    return {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"fullUrl": "urn:uuid:" + str(uuid.uuid4()), "request": {"method": "POST", "url": "List"}, "resource": {
            "resourceType": "List",
            "identifier": [{"use": "usual", "system": "urn:ietf:rfc:3986",
                            "value": "urn:oid:1.2.250.1.999.8.%d" % secrets.randbits(62)}],
            "status": "current", "mode": "working",
            "code": {"coding": [{"system": "https://profiles.ihe.net/ITI/MHD/CodeSystem/MHDlistTypes", "code": "submissionset"}]},
            "subject": subject, "date": "2026-11-24T10:00:00+01:00", "entry": [{"item": {"reference": document_uuid}}]}},
        {"fullUrl": document_uuid, "request": {"method": "POST", "url": "DocumentReference"}, "resource": document},
        {"fullUrl": binary_uuid, "request": {"method": "POST", "url": "Binary"}, "resource": {
            "resourceType": "Binary", "contentType": "application/pdf", "data": pdf_base64}}]}


def percentiles(latencies):
    ordered = sorted(latencies)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")
    return pick(0.50), pick(0.95), pick(0.99)


def push(base, nirs_file, concurrency, seconds):
    token = bearer(base)
    base = server(base)
    nirs = [line.strip() for line in open(nirs_file) if line.strip()]
    pdf = pdf_like(30 * 1024)
    pdf_hash = base64.b64encode(hashlib.sha1(pdf).digest()).decode()
    pdf_base64 = base64.b64encode(pdf).decode()
    url = urllib.parse.urlparse(base)
    latencies, failures, lock = [], [], threading.Lock()
    deadline = time.monotonic() + seconds

    finished = []

    def client():
        mine, failed = [], []
        try:
            connection = http.client.HTTPConnection(url.hostname, url.port, timeout=HTTP_TIMEOUT)
            while time.monotonic() < deadline:
                body = json.dumps(provide_bundle(random.choice(nirs), pdf, pdf_hash, pdf_base64)).encode()
                started = time.monotonic()
                connection.request("POST", "/fhir", body, headers(token, **{"Content-Type": "application/fhir+json"}))
                response = connection.getresponse()
                answer = response.read()
                if response.status == 200:
                    mine.append(time.monotonic() - started)
                else:
                    failed.append((response.status, answer[:300]))
        except Exception as died:  # noqa: BLE001 (a client that dies is a failed run, whatever killed it)
            failed.append(("client thread died", repr(died)))
        with lock:
            latencies.extend(mine)
            failures.extend(failed)
            finished.append(threading.current_thread().name)

    threads = [threading.Thread(target=client, name="client-%d" % c, daemon=True) for c in range(concurrency)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        # A request started just before the deadline may take the whole HTTP timeout, not more.
        thread.join(max(0.0, deadline - time.monotonic()) + HTTP_TIMEOUT + 5)
    elapsed = time.monotonic() - started
    with lock:
        stuck = [thread.name for thread in threads if thread.name not in finished]
        failures.extend(("client thread did not finish", name) for name in stuck)
        done, failed = list(latencies), list(failures)
    p50, p95, p99 = percentiles(done)
    print("documents/s %.1f  p50 %.0f ms  p95 %.0f ms  p99 %.0f ms  failed %d" % (
        len(done) / elapsed, p50, p95, p99, len(failed)))
    if failed or not done:
        raise BenchFailure("push: %d failures, first: %s" % (len(failed), failed[0] if failed else "no document pushed"))


def fill(base, nir, count, token_base=None):
    token = bearer(token_base or base)
    base = server(base)
    subject = "Patient?identifier=%s|%s" % (INS_SYSTEM, nir)
    for first in range(0, count, 100):
        entries = [{"request": {"method": "POST", "url": "DocumentReference"},
                    "resource": dict(access_bench.document(subject, access_bench.TYPES[d % len(access_bench.TYPES)],
                                                           "Document %d" % d, b"Compte rendu %d" % d))}
                   for d in range(first, min(count, first + 100))]
        created(post(base, "/fhir", token, {"resourceType": "Bundle", "type": "transaction", "entry": entries}),
                len(entries), "fill")


def find(base, nir, seconds, at_least=1):
    token = bearer(base)
    base = server(base)
    url = urllib.parse.urlparse(base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=HTTP_TIMEOUT)
    path = "/fhir/DocumentReference?status=current&patient.identifier=%s%%7C%s&_count=50" % (INS_SYSTEM, nir)
    latencies, deadline, total = [], time.monotonic() + seconds, None
    while time.monotonic() < deadline:
        started = time.monotonic()
        connection.request("GET", path, headers=headers(token, Accept="application/fhir+json"))
        response = connection.getresponse()
        answer = response.read()
        latencies.append(time.monotonic() - started)
        if response.status != 200:
            raise BenchFailure("search failed: %s %s" % (response.status, answer[:300]))
        total = len(json.loads(answer).get("entry", []))
        if total < at_least:
            # A search that finds nothing is fast: its figures would measure nothing.
            raise BenchFailure("search found %d documents of the space, at least %d expected: %s" % (total, at_least, path))
    if not latencies:
        raise BenchFailure("no search made in %s s" % seconds)
    p50, p95, p99 = percentiles(latencies)
    print("ITI-67 searches %d  first page %s documents  p50 %.0f ms  p95 %.0f ms  p99 %.0f ms" % (
        len(latencies), total, p50, p95, p99))


def compare(what, seconds, ticks_per_second, servers):
    """Medians of each server's rounds: the rate (and that round's other figures), the server's CPU per unit
    (document or request); then the first server's ratios to each of the others."""
    def rate(line):
        return float(line.split()[1])

    def cpu_ms_per_unit(line):
        ticks = float(line.split("server-cpu-ticks")[1])
        return ticks * 1000.0 / float(ticks_per_second) / (rate(line) * float(seconds))

    median_line, median_cpu = {}, {}
    for name, path in servers:
        lines = sorted((line.strip() for line in open(path) if line.strip()), key=rate)
        if not lines:
            raise BenchFailure("compare: no round of %s recorded in %s" % (name, path))
        median_line[name] = lines[len(lines) // 2]
        median_cpu[name] = sorted(cpu_ms_per_unit(line) for line in lines)[len(lines) // 2]
        print("%s  %-12s rounds: %s  median: %s  server CPU %.2f ms/unit" % (
            what, name, " ".join("%.1f" % rate(line) for line in lines),
            median_line[name].split("  server-cpu-ticks")[0], median_cpu[name]))
    # Ratios read "first / other" as efficiency: 1.0 is as fast, as cheap; below 1.0 the first costs more.
    first = servers[0][0]
    for name, _ in servers[1:]:
        print("%s  ratio %s / %s: %.2f (rate)  %.2f (%s's CPU per unit / %s's)" % (
            what, first, name, rate(median_line[first]) / rate(median_line[name]),
            median_cpu[name] / median_cpu[first], name, first))


def main(command, args):
    if command == "patients":
        patients(args[0], int(args[1]), args[2])
    elif command == "push":
        push(args[0], args[1], int(args[2]), float(args[3]))
    elif command == "fill":
        fill(args[0], args[1], int(args[2]), args[3] if len(args) > 3 else None)
    elif command == "compare":
        compare(args[0], args[1], args[2], [tuple(arg.split("=", 1)) for arg in args[3:]])
    elif command == "token":
        print(bearer(args[0]) or "")
    elif command == "find":
        find(args[0], args[1], float(args[2]), int(args[3]) if len(args) > 3 else 1)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    try:
        main(sys.argv[1], sys.argv[2:])
    except (BenchFailure, OSError, http.client.HTTPException, subprocess.SubprocessError) as failure:
        # urllib's HTTPError, timeouts and refused connections are OSErrors: one clear line, a failed run.
        detail = failure.read()[:300] if isinstance(failure, urllib.error.HTTPError) else b""
        print("documents_bench %s failed: %s %s" % (sys.argv[1], failure, detail.decode(errors="replace")), file=sys.stderr)
        sys.exit(1)
