// Prints the benchmark table: throughput per benchmark and the ratios the project's goals are stated in.
// usage: node report.mjs core.json peer.json
import { readFileSync } from 'node:fs';

const [corePath, peerPath] = process.argv.slice(2);
const core = JSON.parse(readFileSync(corePath, 'utf8'));
const peer = JSON.parse(readFileSync(peerPath, 'utf8'));

const rows = new Map();
for (const b of core.benchmarks) {
  if (b.run_type === 'aggregate') continue;
  // FhirParseValidate/errors_only:0 is the full validation the goals are stated for; :1 gets a row of its own.
  const name = b.name.replace(/^BM_/, '').replace('/errors_only:1', ' (errors only)').replace(/\/.*$/, '');
  rows.set(name, {
    mbs: b.bytes_per_second / 1e6,
    rps: b.items_per_second,
  });
}
rows.set('Medplum validateResource (parse+validate)', { mbs: peer.mb_per_second, rps: peer.resources_per_second });

const files = core.benchmarks[0]?.files ?? peer.files;
console.log(`\ncorpus: ${files} files (${(peer.bytes / 1e6).toFixed(1)} MB) from hl7.fhir.r4.examples 4.0.1; ` +
  `${core.context.num_cpus} CPUs, ${core.context.date}`);
console.log('| benchmark (rates per CPU second, single thread) | MB/s | resources/s |');
console.log('|---|---:|---:|');
for (const [name, r] of rows) {
  console.log(`| ${name} | ${r.mbs.toFixed(1)} | ${r.rps.toFixed(0)} |`);
}

const ratio = (a, b) => (rows.has(a) && rows.has(b) ? rows.get(a).mbs / rows.get(b).mbs : NaN);
const goals = [
  ['parse + canonical write vs RapidJSON parse + Writer', ratio('FhirParseCanonicalWrite', 'RapidJsonParseWrite'), 0.5, '%'],
  ['parse + full validation vs RapidJSON DOM parse', ratio('FhirParseValidate', 'RapidJsonDomParse'), 0.3, '%'],
  ['parse + full validation vs Medplum validateResource', ratio('FhirParseValidate', 'Medplum validateResource (parse+validate)'), 20, 'x'],
];
console.log('\n| goal | measured | target | met |');
console.log('|---|---:|---:|:---:|');
for (const [name, value, target, unit] of goals) {
  const show = (v) => (unit === '%' ? `${(v * 100).toFixed(0)}%` : `${v.toFixed(1)}x`);
  console.log(`| ${name} | ${show(value)} | >= ${show(target)} | ${value >= target ? 'yes' : 'NO'} |`);
}
