// Carnet's quickstart for practitioner software, in JavaScript (Node.js 20+, no dependencies: plain fetch
// and node:crypto). The same six steps as examples/java, each printed as it runs; exits 0 only when every
// step behaved as expected, so it doubles as a test:
//   1. a SMART Backend Services access token (client_credentials + private_key_jwt, RS384 or ES384);
//   2. ITI-65: push a provide bundle (SubmissionSet List + DocumentReference + Binary) into the patient's space;
//   3. ITI-67: find it by the patient's INS, status and type;
//   4. ITI-68: fetch its bytes from attachment.url and compare them with what was pushed;
//   5. replace it (relatesTo.code = replaces): the old one becomes superseded;
//   6. read the OperationOutcome of four refusals (a hash that does not match the bytes, a search without status,
//      an INS that names no space the client may write to, a write with a read-only token).
//
// Usage: node quickstart.mjs [server URL] [private key file] [patient INS as system|value]
// or the environment: CARNET_URL, CARNET_KEY_FILE, CARNET_PATIENT_INS, CARNET_CLIENT_ID, CARNET_KEY_ID,
// CARNET_SCOPE, CARNET_AUTHOR_IDNAT. Defaults: the demo server (README.md "Try it").
import { createHash, createPrivateKey, randomUUID, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';

const settings = {
  // The FHIR base is <server>/fhir; a FHIR base given instead works too.
  server: (process.argv[2] || process.env.CARNET_URL || 'http://localhost:8080').replace(/\/+$/, '').replace(/\/fhir$/, ''),
  keyFile: process.argv[3] || process.env.CARNET_KEY_FILE || 'demo/hospital-private-key.pem',
  // Marie Dupont, the demo server's patient (demo INS system 1.2.250.1.213.1.4.11).
  patientIns: process.argv[4] || process.env.CARNET_PATIENT_INS || 'urn:oid:1.2.250.1.213.1.4.11|279035121518989',
  clientId: process.env.CARNET_CLIENT_ID || 'demo-hospital',
  keyId: process.env.CARNET_KEY_ID || 'demo-hospital-2026',
  // A scope the client is registered with: Carnet grants no narrower one than it registered.
  scope: process.env.CARNET_SCOPE || 'system/*.cruds',
  authorIdNat: process.env.CARNET_AUTHOR_IDNAT || '1750000000',
};
const fhirBase = `${settings.server}/fhir`;
const FHIR_JSON = 'application/fhir+json';
const PDF = 'application/pdf';
const LOINC = 'http://loinc.org';
const LAB_REPORT = '11502-2';
const PROFILES = 'https://carnet.example/ig/StructureDefinition/';
const STEPS = 6;
const UNKNOWN_NIR = '100000000000000'; // a NIR no demo space carries

class ExpectationFailed extends Error {}
function expect(condition, otherwise) {
  if (!condition) throw new ExpectationFailed(otherwise);
}

/** A refusal the server answered with an HTTP status and (Carnet always sends one) an OperationOutcome. */
class FhirRefusal extends Error {
  constructor(request, status, outcome, body) {
    super(`${request} answered HTTP ${status}`);
    this.status = status;
    this.outcome = outcome;
    this.body = body;
  }

  describe() {
    if (this.outcome?.resourceType !== 'OperationOutcome') return `HTTP ${this.status} (no OperationOutcome) ${this.body}`;
    return [`HTTP ${this.status}`, ...this.outcome.issue.map((issue) =>
      `  issue: severity=${issue.severity} code=${issue.code} expression=[${(issue.expression || []).join(', ')}]\n` +
      `               diagnostics="${issue.diagnostics}"`)].join('\n      ');
  }

  expressions() {
    return (this.outcome?.issue || []).flatMap((issue) => issue.expression || []);
  }
}

// ---- 1. SMART Backend Services ------------------------------------------------------------------------

/** The client's key and its algorithm: RS384 for an RSA key, ES384 for an EC P-384 key (Carnet accepts only these). */
function clientKey(file) {
  const key = createPrivateKey(readFileSync(file));
  if (key.asymmetricKeyType === 'rsa') return { key, alg: 'RS384' };
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails.namedCurve === 'secp384r1') return { key, alg: 'ES384' };
  throw new Error(`${file}: neither an RSA key nor an EC P-384 key`);
}

/**
 * The signed client assertion: iss and sub the client id, aud the token endpoint URL exactly as discovered
 * (not the FHIR base), exp at most 5 minutes ahead, a fresh jti (a replayed one is refused), kid the key's id
 * in the JWKS registered for the client. A JWS is base64url(header).base64url(claims).base64url(signature).
 */
function clientAssertion({ key, alg }, tokenEndpoint) {
  const now = Math.floor(Date.now() / 1000);
  const part = (object) => Buffer.from(JSON.stringify(object)).toString('base64url');
  const signingInput = `${part({ alg, typ: 'JWT', kid: settings.keyId })}.${part({
    iss: settings.clientId, sub: settings.clientId, aud: tokenEndpoint, iat: now, exp: now + 240, jti: randomUUID(),
  })}`;
  // ES384 in a JWS is the raw r||s pair (IEEE P1363), not the DER that node:crypto writes by default.
  const signature = sign('sha384', Buffer.from(signingInput),
    alg === 'ES384' ? { key, dsaEncoding: 'ieee-p1363' } : key);
  return `${signingInput}.${signature.toString('base64url')}`;
}

async function accessToken(scope = settings.scope, { quiet = false } = {}) {
  // Where and how to get tokens: never a hard-coded token URL.
  const configuration = await (await ok(fetch(`${fhirBase}/.well-known/smart-configuration`))).json();
  const tokenEndpoint = configuration.token_endpoint;
  const key = clientKey(settings.keyFile);
  expect(tokenEndpoint, 'smart-configuration names no token_endpoint');
  expect((configuration.token_endpoint_auth_signing_alg_values_supported || []).includes(key.alg),
    `the server does not accept ${key.alg} assertions`);
  const response = await fetch(tokenEndpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      scope,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: clientAssertion(key, tokenEndpoint),
    }),
  });
  // A refusal is an OAuth error in JSON (RFC 6749 §5.2): error and error_description say what to fix.
  const body = await response.json();
  expect(response.status === 200, `token endpoint answered ${response.status}: ${JSON.stringify(body)}`);
  if (!quiet) {
    console.log(`    token endpoint (from .well-known/smart-configuration): ${tokenEndpoint}`);
    console.log(`    assertion signed ${key.alg} with kid ${settings.keyId}; granted '${body.scope}' for ${body.expires_in} s`);
  }
  expect(body.access_token, 'no access_token in the token response');
  return body.access_token;
}

// ---- FHIR over fetch ----------------------------------------------------------------------------------

let token;

/** A FHIR JSON request; a 4xx/5xx becomes a FhirRefusal carrying the OperationOutcome. */
async function fhir(method, path, resource) {
  const url = path.startsWith('http') ? path : `${fhirBase}/${path}`;
  const response = await fetch(url, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      Accept: FHIR_JSON,
      ...(resource ? { 'Content-Type': `${FHIR_JSON}; charset=utf-8` } : {}),
    },
    body: resource ? JSON.stringify(resource) : undefined,
  });
  const text = await response.text();
  let json;
  try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
  if (!response.ok) throw new FhirRefusal(`${method} ${url}`, response.status, json, text);
  return json;
}

async function ok(pending) {
  const response = await pending;
  expect(response.ok, `${response.url} answered ${response.status}`);
  return response;
}

// ---- 2. ITI-65 provide bundle -------------------------------------------------------------------------

// The subject of a first push: a conditional reference by INS, so that the patient's FHIR id is not needed;
// an INS that names no open space is refused (404) exactly like one the sender may not write to.
const byIns = () => `Patient?identifier=${settings.patientIns}`;
const sha1 = (bytes) => createHash('sha1').update(bytes).digest('base64');
const pdf = (text) => Buffer.from(`%PDF-1.4\n% ${text}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n`, 'latin1');

/**
 * A transaction Bundle: one SubmissionSet List, one DocumentReference with PDSm's required metadata, the
 * Binary of its bytes; every entry POSTed under a urn:uuid: the others reference. attachment.size and
 * .hash (base64 SHA-1) must match the bytes, else 422 and nothing is stored.
 */
function provideBundle(subjectReference, bytes, title, replaces) {
  const subject = { reference: subjectReference };
  const [listUuid, documentUuid, binaryUuid] = [1, 2, 3].map(() => `urn:uuid:${randomUUID()}`);
  const uniqueId = `urn:uuid:${randomUUID()}`; // in production: an OID under your organization's root
  const now = new Date().toISOString();
  const document = {
    resourceType: 'DocumentReference',
    meta: { profile: [`${PROFILES}carnet-document-reference`] },
    masterIdentifier: { system: 'urn:ietf:rfc:3986', value: uniqueId },
    status: 'current',
    type: { coding: [{ system: LOINC, code: LAB_REPORT, display: "CR d'examens biologiques" }] },
    category: [{ coding: [{ system: 'https://mos.esante.gouv.fr/NOS/TRE_A03-ClasseDocument/FHIR/TRE-A03-ClasseDocument', code: '10', display: 'Compte rendu' }] }],
    subject,
    date: now,
    // The declared author; Carnet records the real sender from the token, whatever is written here.
    author: [{ identifier: { system: 'urn:oid:1.2.250.1.71.4.2.2', value: settings.authorIdNat } }],
    custodian: { display: 'Carnet' },
    securityLabel: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'N', display: 'normal' }] }],
    content: [{ attachment: { contentType: PDF, url: binaryUuid, size: bytes.length, hash: sha1(bytes), title } }],
    context: { period: { start: now } }, // the date of the act
    ...(replaces ? { relatesTo: [{ code: 'replaces', target: { reference: replaces } }] } : {}),
  };
  const bundle = {
    resourceType: 'Bundle',
    meta: { profile: [`${PROFILES}carnet-provide-bundle`] },
    type: 'transaction',
    entry: [
      {
        fullUrl: listUuid,
        resource: {
          resourceType: 'List',
          meta: { profile: [`${PROFILES}carnet-submission-set`] },
          identifier: [{ use: 'usual', system: 'urn:ietf:rfc:3986', value: `urn:uuid:${randomUUID()}` }],
          status: 'current',
          mode: 'working',
          code: { coding: [{ system: 'https://profiles.ihe.net/ITI/MHD/CodeSystem/MHDlistTypes', code: 'submissionset' }] },
          subject,
          date: now,
          entry: [{ item: { reference: documentUuid } }],
        },
        request: { method: 'POST', url: 'List' },
      },
      { fullUrl: documentUuid, resource: document, request: { method: 'POST', url: 'DocumentReference' } },
      {
        fullUrl: binaryUuid,
        resource: { resourceType: 'Binary', contentType: PDF, data: bytes.toString('base64') },
        request: { method: 'POST', url: 'Binary' },
      },
    ],
  };
  return { bundle, document, uniqueId };
}

/** POSTs a provide bundle to the FHIR base; every entry must be created; answers the document's id. */
async function push({ bundle, uniqueId }) {
  const response = await fhir('POST', '', bundle);
  expect(response.type === 'transaction-response', `not a transaction-response: ${response.type}`);
  let documentId;
  for (const entry of response.entry) {
    console.log(`    ${entry.response.status}  ${entry.response.location}`);
    expect(entry.response.status.startsWith('201'), `an entry was not created: ${entry.response.status}`);
    const [type, id] = entry.response.location.replace(/^.*\/fhir\//, '').split('/');
    if (type === 'DocumentReference') documentId = `${type}/${id}`;
  }
  expect(documentId, 'the transaction-response names no DocumentReference');
  console.log(`    stored ${documentId} (uniqueId ${uniqueId})`);
  return documentId;
}

// ---- 3. ITI-67 ----------------------------------------------------------------------------------------

function byPatient(extra) {
  return `DocumentReference?patient.identifier=${encodeURIComponent(settings.patientIns)}${extra}`;
}

/** ITI-67 for the patient, by INS, with a status and the lab report type; every page. */
async function find(status) {
  const documents = [];
  let page = await fhir('GET', byPatient(`&status=${status}&type=${encodeURIComponent(`${LOINC}|${LAB_REPORT}`)}`));
  for (;;) {
    documents.push(...(page.entry || []).map((entry) => entry.resource).filter((r) => r.resourceType === 'DocumentReference'));
    const next = (page.link || []).find((link) => link.relation === 'next');
    if (!next) return documents;
    page = await fhir('GET', next.url);
  }
}

/** Runs a request that must be refused with this status, prints its OperationOutcome, answers the refusal. */
async function refusal(status, request) {
  try {
    await request();
  } catch (refused) {
    if (!(refused instanceof FhirRefusal)) throw refused;
    console.log(`      ${refused.describe()}`);
    expect(refused.status === status, `expected HTTP ${status}, got ${refused.status}`);
    expect(refused.outcome?.resourceType === 'OperationOutcome', 'the refusal carries no OperationOutcome');
    return refused;
  }
  throw new ExpectationFailed(`the request was accepted; expected HTTP ${status}`);
}

function step(number, title) {
  console.log(`\n[${number}/${STEPS}] ${title}`);
}

// ---- the six steps ------------------------------------------------------------------------------------

async function run() {
  step(1, `SMART Backend Services: an access token for ${settings.clientId}`);
  token = await accessToken();
  step(2, 'ITI-65: push a provide bundle (SubmissionSet + DocumentReference + Binary)');
  const report = pdf('Bilan sanguin - quickstart (js)');
  const firstId = await push(provideBundle(byIns(), report, 'Bilan sanguin'));
  step(3, `ITI-67: find it by the patient's INS, status=current and type=LOINC ${LAB_REPORT}`);
  const found = await findPushed(firstId);
  step(4, `ITI-68: fetch the bytes at attachment.url with Accept: ${PDF}`);
  await fetchBytes(found, report);
  step(5, `Replace it: a new version with relatesTo.code=replaces -> ${firstId}`);
  await replace(found, firstId);
  step(6, 'Refusals: read the OperationOutcome');
  await refusals();
}

async function findPushed(documentId) {
  const current = await find('current');
  console.log(`    ${current.length} current lab report(s) the hospital may see in this space`);
  const found = current.find((document) => `DocumentReference/${document.id}` === documentId);
  expect(found, `${documentId} is not among the current documents found`);
  const { url, contentType } = found.content[0].attachment;
  console.log(`    found ${documentId}: attachment.url=${url}, contentType=${contentType}`);
  return found;
}

/** ITI-68 is plain HTTP: the raw bytes come back only with the document's MIME type in Accept (else a Binary resource). */
async function fetchBytes(found, pushed) {
  const { url, hash } = found.content[0].attachment;
  const raw = await fetch(url.startsWith('http') ? url : `${fhirBase}/${url}`,
    { headers: { Authorization: `Bearer ${token}`, Accept: PDF } });
  expect(raw.status === 200, `GET ${url} answered ${raw.status}`);
  const bytes = Buffer.from(await raw.arrayBuffer());
  const rawType = raw.headers.get('content-type') || '';
  console.log(`    HTTP 200, Content-Type ${rawType}, ${bytes.length} bytes`);
  expect(rawType.startsWith(PDF), `the bytes came back as ${rawType}, not ${PDF}`);
  expect(bytes.equals(pushed), 'the bytes fetched differ from the bytes pushed');
  expect(sha1(bytes) === hash, "the bytes do not match the document's attachment.hash");
  console.log(`    identical to the bytes pushed (SHA-1 ${sha1(pushed)})`);
}

async function replace(found, firstId) {
  // The replacement names the patient as the stored document does (Patient/id, from the ITI-67 result):
  // Carnet compares the two subjects before it resolves a conditional reference, so an INS reference here
  // is refused (422 "a document replaces only a document of the same patient").
  console.log(`    subject as stored: ${found.subject.reference}`);
  const secondId = await push(provideBundle(found.subject.reference, pdf('Bilan sanguin - quickstart (js), corrige'),
    'Bilan sanguin (corrige)', firstId));
  const old = await fhir('GET', firstId);
  console.log(`    ${firstId} is now ${old.status}`);
  expect(old.status === 'superseded', `${firstId} is ${old.status}, not superseded`);
  const currentIds = (await find('current')).map((document) => `DocumentReference/${document.id}`);
  expect(currentIds.includes(secondId) && !currentIds.includes(firstId),
    `status=current should list ${secondId} and not ${firstId}: ${currentIds}`);
  const supersededIds = (await find('superseded')).map((document) => `DocumentReference/${document.id}`);
  expect(supersededIds.includes(firstId), `status=superseded does not list ${firstId}`);
  console.log(`    status=current lists ${secondId} (not ${firstId}); status=superseded lists ${firstId}`);
}

async function refusals() {
  console.log('    a) a provide bundle whose attachment.hash is not the SHA-1 of its bytes:');
  const broken = provideBundle(byIns(), pdf('Bilan sanguin - empreinte fausse'), 'Bilan sanguin');
  broken.document.content[0].attachment.hash = sha1(Buffer.from('other bytes'));
  const hashRefused = await refusal(422, () => fhir('POST', '', broken.bundle));
  expect(hashRefused.expressions().includes('DocumentReference.content[0].attachment.hash'),
    'the 422 should name DocumentReference.content[0].attachment.hash');
  const leftOver = await fhir('GET', byPatient(`&status=current&identifier=${encodeURIComponent(`urn:ietf:rfc:3986|${broken.uniqueId}`)}`));
  expect(!(leftOver.entry || []).length, 'a refused bundle left a document behind');
  console.log('      nothing of that bundle was stored (the transaction is all or nothing)');

  console.log('    b) an ITI-67 search without the status parameter:');
  const statusRequired = await refusal(400, () => fhir('GET', byPatient('')));
  expect(statusRequired.expressions().includes('status'), 'the 400 should name the status parameter');

  console.log('    c) a push to an INS that names no space this client may write to:');
  const unknownIns = `Patient?identifier=${settings.patientIns.split('|')[0]}|${UNKNOWN_NIR}`;
  await refusal(404, () => fhir('POST', '', provideBundle(unknownIns, pdf('Bilan sanguin - patient inconnu'), 'Bilan sanguin').bundle));
  console.log('      (an unknown INS, a closed space and a patient who blocked this sender get this same answer)');

  console.log('    d) the same push with a read-only token (scope system/*.rs):');
  const fullToken = token;
  token = await accessToken('system/*.rs', { quiet: true });
  try {
    await refusal(403, () => fhir('POST', '', provideBundle(byIns(), pdf('Bilan sanguin - lecture seule'), 'Bilan sanguin').bundle));
  } finally {
    token = fullToken;
  }
}

console.log(`Carnet quickstart (JavaScript) against ${fhirBase}, patient ${settings.patientIns}`);
try {
  await run();
  console.log(`All ${STEPS} steps behaved as expected.`);
} catch (failure) {
  if (failure instanceof ExpectationFailed) {
    console.log(`FAILED: ${failure.message}`);
  } else if (failure instanceof FhirRefusal) {
    console.log(`FAILED: the server refused a request that should have succeeded: ${failure.message}\n      ${failure.describe()}`);
  } else if (failure instanceof TypeError && failure.message === 'fetch failed') {
    console.log(`FAILED: cannot reach ${settings.server} (is the server running?): ${failure.cause?.code || failure.cause?.message}`);
  } else {
    console.log(`FAILED: ${failure.stack || failure}`);
  }
  process.exitCode = 1;
}
