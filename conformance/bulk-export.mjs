// Bulk Data export driven by the SMART Bulk Data client (smart-on-fhir/bulk-data-client, a real client
// nobody here wrote), authenticating as the demo hospital with SMART Backend Services (its JWK made from
// demo/hospital-private-key.pem). The hospital first declares its care of the demo patient's space and
// makes a Group of its patients; then the client runs a system, a Patient and a Group export, polls,
// downloads and checks the NDJSON against the manifest. The files must parse, their counts must match,
// and the demo document masked from professionals (MASQUE_PS, sent by a psychiatrist) must never come out.
// Needs a Carnet with the demo profile at CARNET_URL and the client's launcher at BULK_DATA_CLIENT.
import { createPrivateKey, sign, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync, mkdtempSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';

const carnet = process.env.CARNET_URL ?? 'http://localhost:8080';
const launcher = process.env.BULK_DATA_CLIENT;
const fhir = `${carnet}/fhir`;
const tokenUrl = `${carnet}/oauth2/token`;
const pem = readFileSync(new URL('../demo/hospital-private-key.pem', import.meta.url));
const privateJwk = { ...createPrivateKey(pem).export({ format: 'jwk' }), kid: 'demo-hospital-2026', alg: 'RS384' };
const failures = [];
const check = (ok, what) => { if (!ok) failures.push(what); console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`); };

const b64url = (value) => Buffer.from(value).toString('base64url');
function assertion() {
  const header = b64url(JSON.stringify({ alg: 'RS384', typ: 'JWT', kid: privateJwk.kid }));
  const claims = b64url(JSON.stringify({ iss: 'demo-hospital', sub: 'demo-hospital', aud: tokenUrl,
    exp: Math.floor(Date.now() / 1000) + 240, jti: randomUUID() }));
  const signature = sign('sha384', Buffer.from(`${header}.${claims}`), createPrivateKey(pem)).toString('base64url');
  return `${header}.${claims}.${signature}`;
}

async function token() {
  const answer = await fetch(tokenUrl, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'system/*.cruds',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion() }) });
  if (!answer.ok) throw new Error(`token: ${answer.status} ${await answer.text()}`);
  return (await answer.json()).access_token;
}

async function create(bearer, resource) {
  const answer = await fetch(`${fhir}/${resource.resourceType}`, { method: 'POST',
    headers: { Authorization: `Bearer ${bearer}`, 'Content-Type': 'application/fhir+json' }, body: JSON.stringify(resource) });
  if (answer.status !== 201) throw new Error(`create ${resource.resourceType}: ${answer.status} ${await answer.text()}`);
  return (await answer.json()).id;
}

// The demo hospital declares its care of the demo space, and makes a Group of the patients it cares for.
const bearer = await token();
await create(bearer, { resourceType: 'CareTeam', status: 'active', subject: { reference: 'Patient/example-ins-demo' },
  participant: [{ member: { identifier: { system: 'urn:oid:1.2.250.1.71.4.2.2', value: '1750000000' } } }] });
const group = await create(bearer, { resourceType: 'Group', type: 'person', actual: true,
  member: [{ entity: { reference: 'Patient/example-ins-demo' } }] });

function runClient(name, options) {
  const destination = mkdtempSync(join(tmpdir(), `bulk-${name}-`));
  const config = join(destination, '..', `bulk-${name}-${randomUUID()}.cjs`);
  writeFileSync(config, `module.exports = ${JSON.stringify({
    fhirUrl: fhir, tokenUrl, clientId: 'demo-hospital', privateKey: privateJwk, scope: 'system/*.rs',
    reporter: 'text', destination, saveManifest: true, downloadAttachments: false, retryAfterMSec: 200,
    requests: { timeout: 60000 } })};\n`);
  execFileSync(launcher, ['--config', config, ...options], { stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, SHOW_ERRORS: '1' }, timeout: 240000 });
  return destination;
}

function verify(name, destination) {
  const manifestFile = join(destination, 'manifest.json');
  check(existsSync(manifestFile), `${name}: the client saved the manifest`);
  if (!existsSync(manifestFile)) return [];
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
  check(manifest.requiresAccessToken === true, `${name}: the manifest requires an access token`);
  // The client names its files <n>.<type>.ndjson, and keeps its own log as log.ndjson.
  const files = readdirSync(destination).filter((file) => /^\d+\.[A-Za-z]+\.ndjson$/.test(file));
  const resources = [];
  for (const file of files) {
    const lines = readFileSync(join(destination, file), 'utf8').split('\n').filter((line) => line.trim());
    lines.forEach((line) => resources.push(JSON.parse(line)));
  }
  const expected = manifest.output.reduce((sum, output) => sum + output.count, 0);
  const written = resources.filter((resource) => resource.resourceType !== 'OperationOutcome').length;
  check(expected === written, `${name}: ${written} resources downloaded, ${expected} in the manifest`);
  return resources;
}

for (const [name, options] of [['system', ['--global']], ['patient', []], ['group', ['--group', group]]]) {
  let resources = [];
  try {
    resources = verify(name, runClient(name, options));
  } catch (error) {
    check(false, `${name}: the client ran (${error.message})`);
    continue;
  }
  const ids = new Set(resources.map((resource) => `${resource.resourceType}/${resource.id}`));
  check(ids.has('Patient/example-ins-demo'), `${name}: the demo patient was exported`);
  check([...ids].some((id) => id.startsWith('DocumentReference/')), `${name}: documents were exported`);
  check(!ids.has('DocumentReference/demo-masked'), `${name}: the document masked from professionals stayed in`);
  check(![...ids].some((id) => /^(Consent|AuditEvent|Subscription|Binary)\//.test(id)), `${name}: no consent, log or bytes`);
}

if (failures.length) {
  console.error(`bulk-export: ${failures.length} check(s) failed`);
  process.exit(1);
}
console.log('bulk-export: every check passed');
