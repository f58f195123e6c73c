// A Carnet node killed (SIGKILL) in the middle of a Bulk Data export, and another node started on the
// same PostgreSQL database: the export must be taken over and completed (or failed clearly), never left
// stuck. The export is held mid-run deterministically: a psql session locks the table of export chunks,
// so the first node's worker claims the export, says it is running, and waits on the lock; the node is
// then killed and the lock released. The second node, asked by the same client, must answer the status
// URL with the manifest within a minute, every file must match its count, and the export must show two
// attempts.
// Needs the jar (CARNET_JAR), psql and PostgreSQL at CARNET_PG_HOST (127.0.0.1:5432, trust).
import { createPrivateKey, sign, randomUUID } from 'node:crypto';
import { readFileSync, mkdtempSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:net';

const jar = process.env.CARNET_JAR;
const pgHost = process.env.CARNET_PG_HOST ?? '127.0.0.1';
const database = `carnet_export_restart_${process.pid}_${Date.now()}`;
const work = mkdtempSync(join(tmpdir(), 'carnet-export-restart-'));
const pem = readFileSync(new URL('../demo/hospital-private-key.pem', import.meta.url));
const failures = [];
const check = (ok, what) => { if (!ok) failures.push(what); console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`); };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const psql = (sql, db = 'postgres') => execFileSync('psql', ['-h', pgHost, '-U', 'postgres', '-d', db, '-tAq', '-c', sql],
  { encoding: 'utf8' }).trim();

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * One Carnet node on the shared database, ready once it logs its start on its own port (another
 * process answering on a reused port is not this node) and, on the fresh database, its demo data.
 */
async function startNode(name, loadsDemoData) {
  const port = await freePort();
  const log = join(work, `${name}.log`);
  const node = spawn('java', ['-Xmx1g', '-jar', jar, '--spring.profiles.active=demo', `--server.port=${port}`,
    `--carnet.smart.issuer=http://localhost:${port}`, `--carnet.fhir.data-dir=${join(work, name)}`,
    `--carnet.db.url=jdbc:postgresql://${pgHost}:5432/${database}`, '--carnet.db.username=postgres',
    // A silent node's export is taken over after 5 s (30 s shipped), so the test waits seconds, not a minute.
    '--carnet.export.take-over-after=5s'], { stdio: ['ignore', openSync(log, 'w'), openSync(log, 'a')] });
  const base = `http://localhost:${port}`;
  for (let second = 0; second < 240; second++) {
    if (node.exitCode !== null) throw new Error(`${name} stopped: ${readFileSync(log, 'utf8').slice(-3000)}`);
    const written = readFileSync(log, 'utf8');
    if (written.includes(`Carnet is ready: FHIR base URL ${base}/fhir`)
      && (!loadsDemoData || written.includes('Demo profile: loaded'))) {
      return { node, base };
    }
    await sleep(1000);
  }
  throw new Error(`${name} did not start in 240 s`);
}

const b64url = (value) => Buffer.from(value).toString('base64url');
async function token(base) {
  const tokenUrl = `${base}/oauth2/token`;
  const header = b64url(JSON.stringify({ alg: 'RS384', typ: 'JWT', kid: 'demo-hospital-2026' }));
  const claims = b64url(JSON.stringify({ iss: 'demo-hospital', sub: 'demo-hospital', aud: tokenUrl,
    exp: Math.floor(Date.now() / 1000) + 240, jti: randomUUID() }));
  const signature = sign('sha384', Buffer.from(`${header}.${claims}`), createPrivateKey(pem)).toString('base64url');
  const answer = await fetch(tokenUrl, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'system/*.cruds',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: `${header}.${claims}.${signature}` }) });
  if (!answer.ok) throw new Error(`token: ${answer.status} ${await answer.text()}`);
  return (await answer.json()).access_token;
}

let first;
let second;
let locker;
psql(`CREATE DATABASE ${database}`);
try {
  first = await startNode('first', true);
  const bearer = await token(first.base);
  const careTeam = await fetch(`${first.base}/fhir/CareTeam`, { method: 'POST',
    headers: { Authorization: `Bearer ${bearer}`, 'Content-Type': 'application/fhir+json' },
    body: JSON.stringify({ resourceType: 'CareTeam', status: 'active', subject: { reference: 'Patient/example-ins-demo' },
      participant: [{ member: { identifier: { system: 'urn:oid:1.2.250.1.71.4.2.2', value: '1750000000' } } }] }) });
  check(careTeam.status === 201, 'the demo hospital declares its care of the demo space');

  // Hold the export mid-run: nothing can be written to (or cleared from) the chunk table.
  locker = spawn('psql', ['-h', pgHost, '-U', 'postgres', '-d', database, '-c',
    'BEGIN; LOCK TABLE carnet_export_chunk IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(300);'], { stdio: 'ignore' });
  for (let i = 0; i < 50 && psql("SELECT COUNT(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
    + " WHERE c.relname = 'carnet_export_chunk' AND l.mode = 'AccessExclusiveLock' AND l.granted", database) === '0'; i++) {
    await sleep(100);
  }
  const kickOff = await fetch(`${first.base}/fhir/$export?_type=Patient,DocumentReference`, {
    headers: { Authorization: `Bearer ${bearer}`, Accept: 'application/fhir+json', Prefer: 'respond-async' } });
  check(kickOff.status === 202, `the first node accepts the export (${kickOff.status})`);
  const status = kickOff.headers.get('content-location');
  const id = status.slice(status.lastIndexOf('/') + 1);
  let state = '';
  for (let i = 0; i < 100 && state !== 'RUNNING'; i++) {
    state = psql(`SELECT state FROM carnet_export_job WHERE id = '${id}'`, database);
    if (state !== 'RUNNING') await sleep(100);
  }
  check(state === 'RUNNING', 'the first node is running the export when it dies');

  first.node.kill('SIGKILL');
  await new Promise((resolve) => (first.node.exitCode !== null ? resolve() : first.node.once('exit', resolve)));
  locker.kill('SIGKILL');
  psql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${database}' AND query LIKE '%pg_sleep%' AND pid <> pg_backend_pid()`);

  second = await startNode('second', false);
  const secondBearer = await token(second.base);
  const secondStatus = status.replace(first.base, second.base);
  let manifest = null;
  const deadline = Date.now() + 60000;
  while (!manifest && Date.now() < deadline) {
    const answer = await fetch(secondStatus, { headers: { Authorization: `Bearer ${secondBearer}` } });
    if (answer.status === 200) {
      manifest = await answer.json();
    } else if (answer.status !== 202) {
      throw new Error(`status on the second node: ${answer.status} ${await answer.text()}`);
    } else {
      await sleep(500);
    }
  }
  check(manifest !== null, 'the second node completes the export within a minute');
  if (manifest) {
    for (const output of manifest.output) {
      const url = output.url.replace(first.base, second.base);
      const file = await fetch(url, { headers: { Authorization: `Bearer ${secondBearer}` } });
      const lines = (await file.text()).split('\n').filter((line) => line.trim());
      check(file.status === 200 && lines.length === output.count, `${output.type}: ${lines.length} lines, ${output.count} in the manifest`);
    }
    check(manifest.output.some((output) => output.type === 'Patient'), 'the demo patient was exported');
    check(psql(`SELECT attempts FROM carnet_export_job WHERE id = '${id}'`, database) === '2',
      'the export was taken over once (two attempts)');
  }
} catch (error) {
  check(false, `the restart scenario ran (${error.message})`);
} finally {
  for (const each of [first?.node, second?.node, locker]) {
    if (each && each.exitCode === null) each.kill('SIGKILL');
  }
  await sleep(1000);
  try {
    psql(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  } catch (error) {
    console.log(`could not drop ${database}: ${error.message}`);
  }
}

if (failures.length) {
  console.error(`export-restart: ${failures.length} check(s) failed`);
  process.exit(1);
}
console.log('export-restart: every check passed');
