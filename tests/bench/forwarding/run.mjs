// Forwarding throughput A -> B with two real `fhirgw serve` processes on loopback (issue 5 §5).
//   node tests/bench/forwarding/run.mjs [BUILD_DIR]   PATIENTS=1000 LABS=100 CHUNK=2000 VALIDATION=lenient
//   POSTERS=N (default 1): ingest requests sent at once (N senders, each waits for A's answer).
//   BATCH=N sets the peer's batch_size and IN_FLIGHT=N its in_flight (Bundles sent at once); unset: the
//   server's default (so an A/B of two binaries compares their defaults; a binary older than in_flight
//   still starts).
//   ROUNDS=N (default 1) repeats every phase; BINARIES=path1,path2 alternates fhirgw binaries round by round
//   (A/B: both gateways of a pair run the same binary); PHASES=1,2,2m,3,l (default all; 2 and 2m need 1).
//   AUDIT=off switches the audit off on both gateways (it is on by default, as in the product).
//   KEEP=1 (one round of one binary) keeps the gateways' data directories and prints where: the pages each
//   wrote per b-tree come from them and the logs of wal_pages.c (see there and wal_pages.py).
//   The default (1,000 patients x 100 labs = 101,000 resources) makes a drain last > 10 s; the older quick
//   run is PATIENTS=40 LABS=100.
// For every phase it reports the CPU each gateway spent per resource (utime + stime of its process from
// /proc/PID/stat, microseconds per resource), which is what to compare on a shared machine: wall-clock
// rates move with whatever else runs there; and the bytes each wrote to storage per resource (write_bytes
// of /proc/PID/io: WAL appends and checkpoints, i.e. the pages its commits dirtied), which load does not move.
// Phases, one run, same data:
//   1. ingest at A while B is down (POST /internal/records, CHUNK records per request): the baseline rate
//      forwarding has to keep up with; the outbox fills.
//   2. drain: B comes up; time until A's outbox is empty -> forwarding resources/s, plain HTTP.
//   2m. the same drain over mutual TLS + a SMART backend-services token (test PKI made with the openssl CLI;
//      B requires the client certificate and the token), from a second A that ingested the same data.
//   3. steady state on a fresh pair: ingest and forwarding at the same time; end-to-end latency
//      (stored at A -> acknowledged by B) p50/p99 from fhirgw_outbox_delivery_seconds, and the time until
//      everything is at B.
//   l. light traffic on a fresh pair: LIGHT (100) lab results posted one at a time,
//      50 ms apart; for each, the time from posting it at A until B's read of it answers (polled every ms).
// Prints a Markdown table. Not a test: the numbers depend on the machine and what else runs on it.
import { spawn, execFileSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const build = resolve(process.argv[2] ?? join(root, 'build'));
const BINARIES = (process.env.BINARIES ? process.env.BINARIES.split(',') : [join(build, 'bin', 'fhirgw')])
  .map((b) => resolve(b));
const ROUNDS = Number(process.env.ROUNDS ?? 1);
const KEEP = process.env.KEEP === '1';
// STOP_SIGNAL=SIGTERM ends each pair of gateways gracefully (e.g. BINARIES=a wrapper running fhirgw under
// valgrind --tool=callgrind, which writes its counts at exit); default SIGKILL.
const STOP_SIGNAL = process.env.STOP_SIGNAL ?? 'SIGKILL';
if (KEEP && (ROUNDS > 1 || BINARIES.length > 1)) throw new Error('KEEP=1 needs one round of one binary');
const PHASES = new Set((process.env.PHASES ?? '1,2,2m,3,l').split(','));
let fhirgw = BINARIES[0];
const PATIENTS = Number(process.env.PATIENTS ?? 1000);
const LABS = Number(process.env.LABS ?? 100);
const CHUNK = Number(process.env.CHUNK ?? 2000);
const POSTERS = Math.max(1, Number(process.env.POSTERS ?? 1));
const BATCH = process.env.BATCH ? { batch_size: Number(process.env.BATCH) } : {};
const IN_FLIGHT = process.env.IN_FLIGHT ? { in_flight: Number(process.env.IN_FLIGHT) } : {};
const work = mkdtempSync(join(tmpdir(), 'fhirgw-fwd-bench-'));
const children = [];

function freePort() {
  return new Promise((ok) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => ok(p)); });
  });
}

async function start(name, port, forwarding, more = {}) {
  const dir = join(work, name);
  const config = join(work, `${name}.json`);
  writeFileSync(config, JSON.stringify({ log: { access_log: false, level: 'warn' }, fhir: { validation: VALIDATION },
                                         ...(AUDIT ? {} : { audit: { enabled: false } }), forwarding, ...more }));
  const child = spawn(fhirgw, ['serve', '--config', config, '--data', dir, '--listen', `127.0.0.1:${port}`],
                      { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  if (KEEP) console.log(`${name}: pid ${child.pid}, data ${dir}`);
  await new Promise((ok, fail) => {
    child.stdout.on('data', (d) => { if (String(d).includes('listening on')) ok(); });
    child.once('exit', (code) => fail(new Error(`${name} exited ${code}`)));
  });
  return child;
}

// `secure`: the peer's tls + auth members (then https).
const aConfig = (bPort, secure) => ({
  node: 'hospital-a', peers: [{ name: 'hospital-b', url: `${secure ? 'https' : 'http'}://127.0.0.1:${bPort}/fhir`,
                                ...BATCH, ...IN_FLIGHT, backoff_ms: 20, max_backoff_ms: 200, ...(secure ?? {}) }],
  routes: [{ peer: 'hospital-b', types: ['*'] }] });

// A test PKI with the openssl CLI: B's CA + server certificate (IP 127.0.0.1), A's CA + client certificate
// (URI urn:fhirgw:client:gw-a), A's RS384 assertion key (+ JWKS) and B's ES384 token signing key.
function makePki() {
  const f = (n) => join(work, n);
  const ossl = (...args) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  for (const who of ['a', 'b']) {
    ossl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
         '-subj', `/CN=${who} bench CA`, '-keyout', f(`${who}-ca.key`), '-out', f(`${who}-ca.pem`));
  }
  const leaf = (name, ca, san, usage) => {
    writeFileSync(f(`${name}.ext`), `subjectAltName=${san}\nextendedKeyUsage=${usage}\n`);
    ossl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${name}`,
         '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`));
    ossl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f(`${ca}-ca.pem`), '-CAkey', f(`${ca}-ca.key`),
         '-CAcreateserial', '-days', '1', '-extfile', f(`${name}.ext`), '-out', f(`${name}.pem`));
  };
  leaf('b-server', 'b', 'IP:127.0.0.1,DNS:localhost', 'serverAuth');
  leaf('a-client', 'a', 'URI:urn:fhirgw:client:gw-a', 'clientAuth');
  ossl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', f('a-jwt.key'));
  ossl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384', '-out', f('b-signing.key'));
  const jwk = createPublicKey(readFileSync(f('a-jwt.key'))).export({ format: 'jwk' });
  writeFileSync(f('a.jwks'), JSON.stringify({ keys: [{ ...jwk, kid: 'a-1', alg: 'RS384', use: 'sig' }] }));
  return {
    b: { tls: { cert_file: f('b-server.pem'), key_file: f('b-server.key'), client_ca_file: f('a-ca.pem') },
         auth: { token_signing_key_file: f('b-signing.key'),
                 clients: [{ id: 'gw-a', jwks_file: f('a.jwks'), scopes: 'system/*.write',
                             certificate: ['uri:urn:fhirgw:client:gw-a'] }] } },
    peer: (bPort) => ({ tls: { ca_file: f('b-ca.pem'), cert_file: f('a-client.pem'), key_file: f('a-client.key') },
                        auth: { token_url: `https://127.0.0.1:${bPort}/auth/token`, client_id: 'gw-a',
                                key_file: f('a-jwt.key'), kid: 'a-1', alg: 'RS384', scope: 'system/*.write' } }) };
}
const bConfig = { node: 'hospital-b', inbound: ['hospital-a'] };
const bSecureConfig = { node: 'hospital-b', inbound: ['gw-a'] };
const VALIDATION = process.env.VALIDATION ?? 'lenient';  // fhir.validation of both gateways
const LIGHT = Number(process.env.LIGHT ?? 100);  // phase l: records posted one at a time
const AUDIT = process.env.AUDIT !== 'off';  // AUDIT=off: audit.enabled false on both (default: on, the product default)

function records(from, to) {
  let out = '';
  for (let p = from; p < to; ++p) {
    out += JSON.stringify({ type: 'patient', id: `MRN-B${p}`, source: 'GDPH-EMR', sex: 'female', deceased: false }) + '\n';
    for (let l = 0; l < LABS; ++l) {
      out += `{"type":"lab_result","id":"LAB-${p}-${l}","source":"GDPH-LIS","patient":"MRN-B${p}","test":"AFP",` +
             `"value":${10 + l}.50,"unit":"ng/mL","specimen":"serum","collected_at":"2021-01-02T07:30:00+08:00","status":"final"}\n`;
    }
  }
  return out;
}

// NDJSON chunks of about CHUNK records each (whole patients).
function chunks() {
  const perChunk = Math.max(1, Math.floor(CHUNK / (LABS + 1)));
  const out = [];
  for (let p = 0; p < PATIENTS; p += perChunk) out.push(records(p, Math.min(PATIENTS, p + perChunk)));
  return out;
}

// POSTERS senders, each posting its next chunk when A has answered its last (an interface engine with that
// many feeds); chunks hold whole patients, so no two senders post records of one patient.
async function ingest(port, bodies) {
  let stored = 0;
  let next = 0;
  const sender = async () => {
    while (next < bodies.length) {
      const body = bodies[next++];
      const r = await fetch(`http://127.0.0.1:${port}/internal/records`, {
        method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
      if (r.status !== 200) throw new Error(`ingest answered ${r.status}: ${(await r.text()).slice(0, 300)}`);
      const n = (await r.json()).stored.length;  // awaited first: `stored += await ...` would read stored before it
      stored += n;
    }
  };
  await Promise.all(Array.from({ length: POSTERS }, sender));
  return stored;
}

async function pending(port) {
  const r = await (await fetch(`http://127.0.0.1:${port}/admin/outbox`)).json();
  return r.peers.find((p) => p.peer === 'hospital-b').pending;
}

// Until A's outbox is empty. Each poll counts A's outbox rows (CPU at A, more while the outbox is long), so
// it sleeps about a quarter of the time the rate so far says is left: few polls while the queue is long,
// a 10 ms grain at the end.
async function drained(port) {
  const t0 = Date.now();
  const first = await pending(port);
  for (let left = first; left > 0; left = await pending(port)) {
    const done = first - left;
    const estimateMs = done > 0 ? ((Date.now() - t0) * left) / done : 200;
    await new Promise((ok) => setTimeout(ok, Math.max(10, Math.min(1000, estimateMs / 4))));
  }
}

async function histogram(port) {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const buckets = [];
  for (const m of text.matchAll(/fhirgw_outbox_delivery_seconds_bucket\{peer="hospital-b",le="([^"]+)"\} (\d+)/g)) {
    buckets.push([m[1] === '+Inf' ? Infinity : Number(m[1]), Number(m[2])]);
  }
  return buckets;
}

// Quantile from cumulative buckets, linear inside the bucket.
function quantile(buckets, q) {
  const total = buckets[buckets.length - 1][1];
  const want = q * total;
  let lo = 0, below = 0;
  for (const [le, count] of buckets) {
    if (count >= want) {
      if (le === Infinity) return `> ${lo}`;
      return (lo + (le - lo) * (want - below) / Math.max(1, count - below)).toFixed(3);
    }
    lo = le; below = count;
  }
  return '?';
}

const seconds = (t0) => Number(process.hrtime.bigint() - t0) / 1e9;

// CPU time of a process so far (utime + stime, microseconds).
const TICK_US = 1e6 / Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
function cpuUs(child) {
  const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');  // f[0] = field 3 (state)
  return (Number(f[11]) + Number(f[12])) * TICK_US;
}
// Bytes a process had written to storage so far (write_bytes of /proc/PID/io: its WAL appends and checkpoints):
// the pages its commits dirtied, less noisy than CPU time on a loaded machine.
function writtenBytes(child) {
  return Number(/^write_bytes: (\d+)$/m.exec(readFileSync(`/proc/${child.pid}/io`, 'utf8'))[1]);
}
// Measures fn(): wall seconds, the CPU microseconds and the bytes written of each process in `procs` ({name: child}).
async function measured(procs, fn) {
  const snapshot = () => Object.fromEntries(Object.entries(procs).map(([k, c]) => [k, [cpuUs(c), writtenBytes(c)]]));
  const before = snapshot();
  const t0 = process.hrtime.bigint();
  const value = await fn();
  const s = seconds(t0);
  const after = snapshot();
  const cpu = Object.fromEntries(Object.keys(procs).map((k) => [k, after[k][0] - before[k][0]]));
  const written = Object.fromEntries(Object.keys(procs).map((k) => [k, after[k][1] - before[k][1]]));
  return { value, s, cpu, written };
}

async function stopAll() {
  await Promise.all(children.splice(0).map((c) => new Promise((ok) => {
    if (c.exitCode !== null || c.signalCode !== null) return ok();
    c.on('exit', ok);
    c.kill(STOP_SIGNAL);
  })));
}

const results = [];  // {bin, round, phase, n, s, a, b (CPU us per resource), p50, p99}
const perResource = (us, n) => (us === undefined ? undefined : us / n);

async function round(bin, r) {
  fhirgw = bin;
  const add = (phase, n, m, extra = {}) =>
    results.push({ bin, round: r, phase, n, s: m.s, a: perResource(m.cpu.a, n), b: perResource(m.cpu.b, n),
                   aKb: perResource(m.written?.a, n * 1024), bKb: perResource(m.written?.b, n * 1024), ...extra });
  const bodies = chunks();
  if (PHASES.has('1') || PHASES.has('2')) {
    const bPort = await freePort();
    const aPort = await freePort();
    const a = await start('a', aPort, aConfig(bPort));
    const m1 = await measured({ a }, () => ingest(aPort, bodies));
    if (PHASES.has('1')) add('1. ingest at A, B down (baseline)', m1.value, m1);
    if (PHASES.has('2')) {
      const queued = await pending(aPort);
      const b = await start('b', bPort, bConfig);
      const m2 = await measured({ a, b }, () => drained(aPort));
      add('2. drain A -> B, plain HTTP', queued, m2);
    }
    await stopAll();
  }
  if (PHASES.has('2m')) {
    const pki = makePki();
    const bmPort = await freePort();
    const amPort = await freePort();
    const a = await start('am', amPort, aConfig(bmPort, pki.peer(bmPort)));
    await ingest(amPort, bodies);
    const queued = await pending(amPort);
    const b = await start('bm', bmPort, bSecureConfig, pki.b);
    const m = await measured({ a, b }, () => drained(amPort));
    add('2m. drain A -> B, mutual TLS + token', queued, m);
    await stopAll();
  }
  if (PHASES.has('3')) {
    const b2 = await freePort();
    const a2 = await freePort();
    const b = await start('b2', b2, bConfig);
    const a = await start('a2', a2, aConfig(b2));
    let ingestS = 0;
    const m = await measured({ a, b }, async () => {
      const t0 = process.hrtime.bigint();
      const n = await ingest(a2, bodies);
      ingestS = seconds(t0);
      await drained(a2);
      return n;
    });
    const h = await histogram(a2);
    add('3. ingest at A with forwarding on', m.value, { s: ingestS, cpu: {} });
    add('3. ingest + forwarding until all at B', m.value, m, { p50: quantile(h, 0.5), p99: quantile(h, 0.99) });
    await stopAll();
  }
  if (PHASES.has('l')) {
    const b3 = await freePort();
    const a3 = await freePort();
    await start('b3', b3, bConfig);
    await start('a3', a3, aConfig(b3));
    const atB = [], answered = [];
    for (let i = 0; i < LIGHT; ++i) {
      const t = await oneRecordAtB(a3, b3, i);
      atB.push(t.atB);
      answered.push(t.answered);
    }
    const spread = (xs) => {
      const v = [...xs].sort((p, q) => p - q);
      const at = (q) => v[Math.min(v.length - 1, Math.floor(q * v.length))].toFixed(1);
      return `${at(0.5)} / ${at(0.9)} / ${v[v.length - 1].toFixed(1)}`;
    };
    results.push({ bin, round: r, phase: `l. light traffic: one record, posted at A -> readable at B (ms p50 / p90 / max of ${LIGHT})`,
                   n: LIGHT, s: atB.reduce((x, y) => x + y, 0) / 1000, light: spread(atB) });
    results.push({ bin, round: r, phase: `l. ... of which A's answer to the POST (ms p50 / p90 / max)`,
                   n: LIGHT, s: answered.reduce((x, y) => x + y, 0) / 1000, light: spread(answered) });
    await stopAll();
  }
  if (KEEP) return;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work);
}

// Light traffic: one lab result posted at A (after 50 ms of quiet), then B's read of it polled every ms until it
// answers 200: how long until one record is at B (A's answer, the delivery worker's wake, the Bundle, B's commit).
async function oneRecordAtB(aPort, bPort, i) {
  await new Promise((ok) => setTimeout(ok, 50));
  const body = `{"type":"lab_result","id":"LIGHT-${i}","source":"GDPH-LIS","patient":"MRN-L","test":"AFP",` +
               `"value":${i}.50,"unit":"ng/mL","collected_at":"2021-01-02T07:30:00+08:00","status":"final"}\n`;
  const t0 = process.hrtime.bigint();
  const r = await fetch(`http://127.0.0.1:${aPort}/internal/records`, {
    method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
  const stored = (await r.json()).stored;
  const answered = seconds(t0) * 1000;
  if (r.status !== 200 || stored.length !== 1) throw new Error(`light: A answered ${r.status}`);
  const path = stored[0].resource.replace(/\/_history\/\d+$/, '');
  for (;;) {
    const b = await fetch(`http://127.0.0.1:${bPort}/fhir/${path}`);
    await b.arrayBuffer();
    if (b.status === 200) return { atB: seconds(t0) * 1000, answered };
    await new Promise((ok) => setTimeout(ok, 1));
  }
}

const us = (x) => (x === undefined ? '' : x.toFixed(1));
const median = (xs) => { const v = [...xs].sort((p, q) => p - q); const m = (v.length - 1) / 2; return (v[Math.floor(m)] + v[Math.ceil(m)]) / 2; };
const label = (bin) => (BINARIES.length > 1 ? `${bin} ` : '');

try {
  const load0 = loadavg();
  for (let r = 1; r <= ROUNDS; ++r) {
    for (const bin of BINARIES) await round(bin, r);
  }
  console.log(`| ${BINARIES.length > 1 ? 'binary | ' : ''}round | phase | resources | seconds | resources/s | CPU A µs/resource | CPU B µs/resource | written A / B KB/resource | e2e p50 / p99 s (l: ms) |`);
  console.log(`|${BINARIES.length > 1 ? '---|' : ''}---|---|---|---|---|---|---|---|---|`);
  for (const x of results) {
    console.log(`| ${BINARIES.length > 1 ? `${x.bin} | ` : ''}${x.round} | ${x.phase} | ${x.n} | ${x.s.toFixed(2)} | ${Math.round(x.n / x.s)} | ` +
                `${us(x.a)} | ${us(x.b)} | ${x.aKb === undefined ? '' : `${us(x.aKb)} / ${us(x.bKb)}`} | ${x.p50 ? `${x.p50} / ${x.p99}` : (x.light ?? '')} |`);
  }
  if (ROUNDS > 1) {
    console.log(`\nMedians over ${ROUNDS} rounds:\n`);
    console.log(`| phase | resources/s | CPU A µs/resource | CPU B µs/resource | written A / B KB/resource |`);
    console.log(`|---|---|---|---|---|`);
    for (const bin of BINARIES) {
      for (const phase of [...new Set(results.map((x) => x.phase))]) {
        const xs = results.filter((x) => x.bin === bin && x.phase === phase);
        const med = (f) => (xs.some((x) => f(x) === undefined) ? undefined : median(xs.map(f)));
        const kb = med((x) => x.aKb) === undefined ? '' : `${us(med((x) => x.aKb))} / ${us(med((x) => x.bKb))}`;
        console.log(`| ${label(bin)}${phase} | ${Math.round(median(xs.map((x) => x.n / x.s)))} | ${us(med((x) => x.a))} | ${us(med((x) => x.b))} | ${kb} |`);
      }
    }
  }
  console.log(`\nbatch_size ${BATCH.batch_size ?? 'default'}, in_flight ${IN_FLIGHT.in_flight ?? 'default'}, ${CHUNK} records per ingest request, ${POSTERS} at once, ` +
              `${PATIENTS} patients x ${LABS} labs, audit ${AUDIT ? 'on' : 'off'}, load average at the start ${load0.map((x) => x.toFixed(2)).join(' ')}, ` +
              `at the end ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
} finally {
  for (const c of children) c.kill('SIGKILL');
  if (KEEP) console.log(`data directories kept in ${work} (one per gateway and phase: a, b, am, bm, a2, b2, ...)`);
  else rmSync(work, { recursive: true, force: true });
}
