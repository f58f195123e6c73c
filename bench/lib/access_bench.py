#!/usr/bin/env python3
"""Helpers of bench/access-policy.sh, standard library only.

  populate BASE PATIENTS DOCUMENTS OUT_DIR   spaces in the care of the demo GP (Dr Martin), fed by the
                                             demo hospital; writes the paths to read and search
  launch BASE USER [SCOPES]                  a SMART App Launch of the demo practitioner software for a
                                             professional (scopes "openid fhirUser user/*.rs" unless
                                             given); prints the access token

Every HTTP call has a timeout (CARNET_BENCH_HTTP_TIMEOUT seconds, 60 by default): a server that stops
answering fails the run instead of hanging it; any failure exits non-zero with a message.
"""
import base64
import hashlib
import http.cookiejar
import json
import os
import random
import re
import secrets
import subprocess
import sys
import urllib.parse
import urllib.request
import uuid

DEMO_GP_IDNAT = "810000000001"
HTTP_TIMEOUT = float(os.environ.get("CARNET_BENCH_HTTP_TIMEOUT", "60"))
TYPES = ["11488-4", "11502-2", "57833-6", "60591-5", "11490-0"]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def hospital_token(base):
    here = os.path.dirname(os.path.abspath(__file__))
    assertion = subprocess.check_output(
        [os.path.join(here, "..", "..", "demo", "client-assertion.sh"), base + "/oauth2/token"], text=True,
        timeout=HTTP_TIMEOUT).strip()
    body = urllib.parse.urlencode({
        "grant_type": "client_credentials", "scope": "system/*.cruds",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion}).encode()
    with urllib.request.urlopen(base + "/oauth2/token", body, timeout=HTTP_TIMEOUT) as response:
        return json.load(response)["access_token"]


def document(subject, loinc, title, content, content_type="text/plain"):
    """A DocumentReference with PDSm's comprehensive metadata, its bytes inline (ITI-105)."""
    return {
        "resourceType": "DocumentReference",
        "masterIdentifier": {"system": "urn:ietf:rfc:3986", "value": "urn:oid:1.2.250.1.999.7.%d" % secrets.randbits(62)},
        "status": "current",
        "type": {"coding": [{"system": "http://loinc.org", "code": loinc}]},
        "category": [{"coding": [{"system": "https://mos.esante.gouv.fr/NOS/TRE_A03-ClasseDocument/FHIR/TRE-A03-ClasseDocument",
                                  "code": "10"}]}],
        "subject": {"reference": subject},
        "date": "2026-11-24T10:00:00+01:00",
        "author": [{"identifier": {"system": "urn:oid:1.2.250.1.71.4.2.1", "value": DEMO_GP_IDNAT}}],
        "custodian": {"display": "Carnet"},
        "securityLabel": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "code": "N"}]}],
        "content": [{"attachment": {"contentType": content_type, "title": title, "size": len(content),
                                    "hash": base64.b64encode(hashlib.sha1(content).digest()).decode(),
                                    "data": base64.b64encode(content).decode()}}],
        "context": {"period": {"start": "2026-11-24T09:00:00+01:00"}}}


def nir():
    return "%d%02d%02d75%03d%03d%02d" % (random.randint(1, 2), random.randint(0, 99), random.randint(1, 12),
                                          random.randint(0, 999), random.randint(0, 999), random.randint(0, 99))


def populate(base, patients, documents, out_dir):
    token = hospital_token(base)
    patient_paths, document_paths = [], []
    for p in range(patients):
        patient_uuid = "urn:uuid:" + str(uuid.uuid4())
        entries = [
            {"fullUrl": patient_uuid, "request": {"method": "POST", "url": "Patient"}, "resource": {
                "resourceType": "Patient",
                "identifier": [{"type": {"coding": [{"system": "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203",
                                                     "code": "INS-NIR"}]},
                                "system": "urn:oid:1.2.250.1.213.1.4.11", "value": nir()}],
                "name": [{"use": "official", "family": "Banc", "given": ["Essai%d" % p]}],
                "gender": "female", "birthDate": "1980-01-01"}},
            {"request": {"method": "POST", "url": "CareTeam"}, "resource": {
                "resourceType": "CareTeam", "status": "active", "subject": {"reference": patient_uuid},
                "participant": [{"member": {"identifier": {"system": "urn:oid:1.2.250.1.71.4.2.1", "value": DEMO_GP_IDNAT}}},
                                {"member": {"identifier": {"system": "urn:oid:1.2.250.1.71.4.2.2", "value": "1750000000"}}}]}}]
        for d in range(documents):
            entries.append({"request": {"method": "POST", "url": "DocumentReference"},
                            "resource": document(patient_uuid, TYPES[d % len(TYPES)], "Document %d" % d,
                                                 b"Compte rendu de banc d'essai")})
        answer = transaction(base, token, entries, "space %d" % p)
        locations = [entry["response"]["location"].split("/_history")[0] for entry in answer["entry"]]
        patient_paths.append("/fhir/DocumentReference?status=current&patient=" + locations[0])
        document_paths.extend("/fhir/" + location for location in locations if location.startswith("DocumentReference"))
    with open(os.path.join(out_dir, "search.paths"), "w") as f:
        f.write("\n".join(patient_paths) + "\n")
    with open(os.path.join(out_dir, "read.paths"), "w") as f:
        f.write("\n".join(document_paths) + "\n")


def transaction(base, token, entries, what):
    """Posts a transaction whose entries are all creations; exits unless every one was created."""
    request = urllib.request.Request(base + "/fhir", json.dumps(
        {"resourceType": "Bundle", "type": "transaction", "entry": entries}).encode(),
        {"Authorization": "Bearer " + token, "Content-Type": "application/fhir+json"})
    with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
        answer = json.load(response)
    statuses = [entry.get("response", {}).get("status", "") for entry in answer.get("entry", [])]
    if len(statuses) != len(entries) or not all(status.startswith("201") for status in statuses):
        sys.exit("populate: the transaction of %s created %d of %d entries" % (
            what, sum(status.startswith("201") for status in statuses), len(entries)))
    return answer


def launch(base, user, scopes="openid fhirUser user/*.rs"):
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    redirect = "http://localhost:8000/callback"
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())

    def get(url):
        try:
            with browser.open(url, timeout=HTTP_TIMEOUT) as response:
                return response.status, response.headers.get("Location"), response.read().decode()
        except urllib.error.HTTPError as redirect_or_error:
            return redirect_or_error.code, redirect_or_error.headers.get("Location"), redirect_or_error.read().decode()

    def post(url, fields):
        try:
            with browser.open(url, urllib.parse.urlencode(fields).encode(), timeout=HTTP_TIMEOUT) as response:
                return response.status, response.headers.get("Location"), response.read().decode()
        except urllib.error.HTTPError as redirect_or_error:
            return redirect_or_error.code, redirect_or_error.headers.get("Location"), redirect_or_error.read().decode()

    authorize = base + "/oauth2/authorize?" + urllib.parse.urlencode({
        "response_type": "code", "client_id": "demo-practitioner-software", "redirect_uri": redirect,
        "scope": scopes, "state": secrets.token_hex(8), "aud": base + "/fhir",
        "code_challenge": challenge, "code_challenge_method": "S256"})
    get(authorize)
    _, _, login_page = get(base + "/login")
    csrf = re.search(r'name="_csrf" type="hidden" value="([^"]+)"|name="_csrf" value="([^"]+)"', login_page)
    if csrf is None:
        sys.exit("launch: no login form at %s/login" % base)
    csrf = csrf.group(1) or csrf.group(2)
    post(base + "/login", {"username": user, "password": "demo", "_csrf": csrf})
    _, location, _ = get(authorize)
    if location is None:
        sys.exit("launch: the login of %s did not lead back to the authorization" % user)
    if "/smart/consent" in location:
        _, _, consent = get(location if location.startswith("http") else base + location)
        state = re.search(r'name="state" value="([^"]+)"', consent).group(1)
        scopes = re.findall(r'name="scope" value="([^"]+)"', consent)
        _, location, _ = post(base + "/oauth2/authorize",
                              [("client_id", "demo-practitioner-software"), ("state", state)] + [("scope", s) for s in scopes])
    code = urllib.parse.parse_qs(urllib.parse.urlparse(location or "").query).get("code")
    if not code:
        sys.exit("launch: no authorization code for %s (redirected to %s)" % (user, location))
    code = code[0]
    credentials = base64.b64encode(b"demo-practitioner-software:demo-secret").decode()
    request = urllib.request.Request(base + "/oauth2/token", urllib.parse.urlencode({
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect, "code_verifier": verifier}).encode(),
        {"Authorization": "Basic " + credentials})
    with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
        print(json.load(response)["access_token"])


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "populate":
        populate(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    elif command == "launch":
        launch(sys.argv[2], sys.argv[3], *sys.argv[4:5])
    else:
        sys.exit(__doc__)
