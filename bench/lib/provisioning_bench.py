"""The peer's side of the provisioning benchmark: the stock HAPI starter given the same registry as Patients,
the way a user of it would load them idempotently: FHIR transactions of conditional creates (ifNoneExist on
the INS), one client thread, as Carnet's command has one. Prints Patients created per second.

Usage: provisioning_bench.py peer BASE FILE COUNT [BATCH 500]"""
import json
import sys
import time
import urllib.request

INS_TYPE = "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203"


def patient(line):
    person = json.loads(line)
    resource = {
        "resourceType": "Patient",
        "identifier": [{"type": {"coding": [{"system": INS_TYPE, "code": "INS-NIR"}]},
                        "system": person["insSystem"], "value": person["ins"]}],
        "name": [{"use": "official", "family": person["family"], "given": person["given"].split()}],
        "gender": person["sex"], "birthDate": person["birthDate"], "active": True,
    }
    if "email" in person:
        resource["telecom"] = [{"system": "email", "value": person["email"]}]
    else:
        resource["address"] = [{"text": person["postalAddress"]}]
    return person["insSystem"] + "|" + person["ins"], resource


def peer(base, path, count, batch):
    seen = set()
    entries = []
    created = 0
    started = time.monotonic()
    with open(path, encoding="utf-8") as registry:
        for line in registry:
            if created + len(entries) >= count:
                break
            if '"Clef"' in line:
                continue  # a line Carnet refuses: the peer has no INS check to refuse it
            key, resource = patient(line)
            if key in seen:
                continue
            seen.add(key)
            entries.append({"resource": resource, "request": {"method": "POST", "url": "Patient",
                                                               "ifNoneExist": "identifier=" + key}})
            if len(entries) == batch:
                created += post(base, entries)
                entries = []
    if entries:
        created += post(base, entries)
    elapsed = time.monotonic() - started
    print("peer: %d Patients in %.1f s: %.0f Patients/s" % (created, elapsed, created / elapsed))


def post(base, entries):
    body = json.dumps({"resourceType": "Bundle", "type": "transaction", "entry": entries}).encode()
    request = urllib.request.Request(base + "/fhir", data=body, method="POST",
                                     headers={"Content-Type": "application/fhir+json"})
    with urllib.request.urlopen(request, timeout=600) as response:
        response.read()
    return len(entries)


if __name__ == "__main__":
    if sys.argv[1] == "peer":
        peer(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]) if len(sys.argv) > 5 else 500)
