"""Spaces for the reminders benchmark (bench/reminders.sh): women of every age, with recorded vaccinations."""
import datetime
import random
import sys
import uuid

from access_bench import hospital_token, nir, transaction

VACCINES = [("J07CA09", "DTCaP-Hib-HepB"), ("J07AL02", "Pneumocoque conjugué"), ("J07BD52", "ROR"),
            ("J07AM51", "dTP"), ("J07BB02", "Grippe")]


def populate(base, spaces, immunizations):
    token = hospital_token(base)
    rng = random.Random(14)
    today = datetime.date.today()
    for s in range(spaces):
        birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randrange((today - datetime.date(1950, 1, 1)).days))
        patient = "urn:uuid:" + str(uuid.uuid4())
        entries = [{"fullUrl": patient, "request": {"method": "POST", "url": "Patient"}, "resource": {
            "resourceType": "Patient",
            "identifier": [{"type": {"coding": [{"system": "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203",
                                                 "code": "INS-NIR"}]},
                            "system": "urn:oid:1.2.250.1.213.1.4.11", "value": nir()}],
            "name": [{"use": "official", "family": "Rappel", "given": ["Essai%d" % s]}],
            "gender": "female", "birthDate": birth.isoformat()}}]
        for i in range(immunizations):
            code, name = VACCINES[rng.randrange(len(VACCINES))]
            given = birth + datetime.timedelta(days=rng.randrange(max(1, (today - birth).days)))
            entries.append({"request": {"method": "POST", "url": "Immunization"}, "resource": {
                "resourceType": "Immunization", "status": "completed", "patient": {"reference": patient},
                "vaccineCode": {"coding": [{"system": "http://www.whocc.no/atc", "code": code, "display": name}]},
                "occurrenceDateTime": given.isoformat()}})
        transaction(base, token, entries, "space %d" % s)

if __name__ == "__main__":
    if sys.argv[1] == "populate":
        populate(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
