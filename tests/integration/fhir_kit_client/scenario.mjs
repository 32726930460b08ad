// End to end as a client app would: load the demo case through /internal/records, then read, search and
// page it with fhir-kit-client, and write through it (create, conditional create, update with ETag,
// transaction, delete).   node scenario.mjs BASE_URL DEMO_CASE.ndjson
import { Client } from 'fhir-kit-client';
import { readFile } from 'node:fs/promises';
import assert from 'node:assert/strict';

const [base, demoCase] = process.argv.slice(2);
const fhir = new Client({ baseUrl: `${base}/fhir` });

const records = await readFile(demoCase, 'utf8');
const loaded = await fetch(`${base}/internal/records`, {
  method: 'POST', headers: { 'Content-Type': 'application/x-ndjson' }, body: records,
});
assert.equal(loaded.status, 200, 'POST /internal/records');
const summary = await loaded.json();
assert.equal(summary.records_rejected, 0);

const capability = await fhir.capabilityStatement();
assert.equal(capability.resourceType, 'CapabilityStatement');
assert.equal(capability.fhirVersion, '4.0.1');

// The demo patient, found by search as a client would, then read by id.
const patients = await fhir.search({ resourceType: 'Patient', searchParams: { _count: 10 } });
assert.equal(patients.resourceType, 'Bundle');
assert.ok(patients.total >= 1, 'at least one patient');
const patientId = patients.entry[0].resource.id;
const patient = await fhir.read({ resourceType: 'Patient', id: patientId });
assert.equal(patient.id, patientId);

// Observations of that patient, paged 5 at a time through the next links (keyset cursors); the
// server counts all matches only when asked (_total=accurate).
let page = await fhir.search({ resourceType: 'Observation',
                               searchParams: { patient: patientId, _count: 5, _total: 'accurate' } });
const total = page.total;
assert.ok(total > 5, `more than one page of observations (${total})`);
const seen = new Set();
while (page) {
  for (const e of page.entry ?? []) seen.add(e.resource.id);
  page = await fhir.nextPage({ bundle: page });
}
assert.equal(seen.size, total, 'paging returns every match once');

// Token and date searches as an app would write them.
const withCode = await fhir.search({ resourceType: 'Condition', searchParams: { patient: patientId } });
assert.ok(withCode.total >= 1, 'conditions of the patient');
const dated = await fhir.search({ resourceType: 'Observation', searchParams: { patient: patientId, date: 'ge2000-01-01', _summary: 'count' } });
assert.ok(dated.total >= 1);

// Writes through the client.
const created = await fhir.create({ resourceType: 'Patient', body: { resourceType: 'Patient', name: [{ family: 'Kit' }] } });
assert.ok(created.id);
const updated = await fhir.update({ resourceType: 'Patient', id: created.id, body: { ...created, name: [{ family: 'Kit2' }] } });
assert.equal(updated.meta.versionId, '2');
const tx = await fhir.transaction({ body: { resourceType: 'Bundle', type: 'transaction', entry: [
  { fullUrl: 'urn:uuid:3f1b4a8e-5c2d-4e6f-8a9b-0c1d2e3f4a5b', resource: { resourceType: 'Patient', name: [{ family: 'Tx' }] }, request: { method: 'POST', url: 'Patient' } },
  { resource: { resourceType: 'Observation', status: 'final', code: { text: 'note' }, subject: { reference: 'urn:uuid:3f1b4a8e-5c2d-4e6f-8a9b-0c1d2e3f4a5b' } }, request: { method: 'POST', url: 'Observation' } },
] } });
assert.equal(tx.type, 'transaction-response');
assert.equal(tx.entry.length, 2);
await fhir.delete({ resourceType: 'Patient', id: created.id });
await assert.rejects(fhir.read({ resourceType: 'Patient', id: created.id }), (err) => err.response?.status === 410);

console.log(`fhir-kit-client scenario: ok (${total} observations paged, ${seen.size} seen)`);
