#!/usr/bin/env python3
"""Seeds a running `fhirgw serve` for the search benchmark through its own transaction endpoint
(POST /fhir), so the database holds exactly what the server stores, index rows included.

  seed.py BASE_URL OBSERVATIONS PATIENTS [BUNDLE_SIZE]

Patients bench-p0 .. bench-p{PATIENTS-1} (PUT, client ids), then OBSERVATIONS Observations spread
evenly over the patients and over the ten LOINC codes in CODES (deterministic), in transaction
Bundles of BUNDLE_SIZE entries. Prints the elapsed time and resources/s on stderr.
"""
import http.client
import json
import sys
import time
import urllib.parse

# Common laboratory LOINC codes (real codes; the values below are synthetic).
CODES = ["2857-1", "1742-6", "1920-8", "2160-0", "718-7", "6690-2", "777-3", "2345-7", "2951-2", "2823-3"]


def post(conn, path, body):
    conn.request("POST", path, body=body, headers={
        "Content-Type": "application/fhir+json", "Prefer": "return=minimal"})
    resp = conn.getresponse()
    data = resp.read()
    if resp.status >= 300:
        sys.exit(f"seeding failed: HTTP {resp.status}: {data[:500]!r}")


def transaction(entries):
    return json.dumps({"resourceType": "Bundle", "type": "transaction", "entry": entries}).encode()


def main():
    base = urllib.parse.urlparse(sys.argv[1])
    observations, patients = int(sys.argv[2]), int(sys.argv[3])
    size = int(sys.argv[4]) if len(sys.argv) > 4 else 5000
    conn = http.client.HTTPConnection(base.hostname, base.port, timeout=600)
    started = time.monotonic()
    entries = []

    def flush():
        if entries:
            post(conn, "/fhir", transaction(entries))
            entries.clear()

    for p in range(patients):
        pid = f"bench-p{p}"
        entries.append({"resource": {"resourceType": "Patient", "id": pid,
                                     "identifier": [{"system": "urn:bench:mrn", "value": f"B{p}"}],
                                     "name": [{"family": f"Bench{p}"}], "gender": "unknown"},
                        "request": {"method": "PUT", "url": f"Patient/{pid}"}})
        if len(entries) == size:
            flush()
    flush()
    for i in range(observations):
        patient, code = i % patients, CODES[(i // patients) % len(CODES)]
        day = i % 28 + 1
        entries.append({"resource": {
            "resourceType": "Observation", "status": "final",
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                      "code": "laboratory"}]}],
            "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
            "subject": {"reference": f"Patient/bench-p{patient}"},
            "effectiveDateTime": f"2024-01-{day:02d}T10:00:00Z",
            "valueQuantity": {"value": i % 100 + 0.5, "unit": "mg/dL", "system": "http://unitsofmeasure.org",
                              "code": "mg/dL"}},
            "request": {"method": "POST", "url": "Observation"}})
        if len(entries) == size:
            flush()
    flush()
    elapsed = time.monotonic() - started
    total = observations + patients
    print(f"seeded {total} resources in {elapsed:.1f} s ({total / elapsed:.0f} resources/s)", file=sys.stderr)


if __name__ == "__main__":
    main()
