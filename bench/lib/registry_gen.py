"""Writes an insured registry for the provisioning benchmark: NDJSON, one person per line, each with a valid
NIR (control key, agreeing with sex and birth year), names, birth date, sex and an e-mail or postal address;
one line in 1,000 refused on purpose (a wrong control key) and one in 500 a repeat of an earlier person.

Usage: registry_gen.py FILE LINES [DEPARTMENT]"""
import datetime
import sys

INS_SYSTEM = "urn:oid:1.2.250.1.213.1.4.10"  # test INS: the benchmark's persons are not real people


def nir(male, birth, department, serial):
    nir13 = "%d%02d%02d%02d%06d" % (1 if male else 2, birth.year % 100, birth.month, department, serial)
    return nir13 + "%02d" % (97 - int(nir13) % 97)


def person(serial, department, base):
    birth = base + datetime.timedelta(days=serial % 25000)
    male = serial % 2 == 0
    contact = ('"email":"p%d@example.org"' % serial) if serial % 3 else '"postalAddress":"%d rue de la Paix, 75002 Paris"' % serial
    return ('{"insSystem":"%s","ins":"%s","family":"Nom%d","given":"Prénom","birthDate":"%s","sex":"%s",%s}'
            % (INS_SYSTEM, nir(male, birth, department, serial % 1000000), serial, birth.isoformat(),
               "male" if male else "female", contact))


def main():
    path, lines = sys.argv[1], int(sys.argv[2])
    department = int(sys.argv[3]) if len(sys.argv) > 3 else 13
    base = datetime.date(1940, 1, 1)
    serial = 0
    with open(path, "w", encoding="utf-8") as out:
        for number in range(1, lines + 1):
            if number % 1000 == 0:
                wrong_key = nir(True, datetime.date(1960, 1, 1), department, 999999)[:13] + "00"
                out.write('{"insSystem":"%s","ins":"%s","family":"Clef","given":"Fausse","birthDate":"1960-01-01",'
                          '"sex":"male","email":"x@example.org"}\n' % (INS_SYSTEM, wrong_key))
            elif number % 500 == 0 and serial:
                out.write(person((number * 7919) % serial, department, base) + "\n")
            else:
                out.write(person(serial, department, base) + "\n")
                serial += 1
    print(serial)


if __name__ == "__main__":
    main()
