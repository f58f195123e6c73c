// SMART App Launch driven by the SMART JavaScript client library (fhirclient, as published on npm) in
// headless Chromium: a patient web app on a free loopback port launches standalone against Carnet,
// Marie Dupont logs in, picks her own space, approves the consent page, and the app reads her Patient
// and lists her DocumentReferences. Needs a Carnet server with the demo profile at CARNET_URL.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const carnet = process.env.CARNET_URL ?? 'http://localhost:8080';
// The demo patient app registers http://127.0.0.1:8000/callback; a loopback IP redirect URI may use any
// port (RFC 8252 §7.3, as Spring Authorization Server applies it), so the app listens on a port free now
// (APP_PORT, from run.sh, which also lets that origin call Carnet: CORS). Listening fails if it is taken.
const appPort = Number(process.env.APP_PORT ?? 8000);
const appOrigin = `http://127.0.0.1:${appPort}`;
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const fhirClientJs = readFileSync(new URL('./node_modules/fhirclient/build/fhir-client.js', import.meta.url));

const page = (script) => `<!DOCTYPE html><html><head><meta charset="utf-8">
<script src="/fhir-client.js"></script></head><body><pre id="result"></pre><script>${script}</script></body></html>`;

const launchPage = page(`
  FHIR.oauth2.authorize({
    iss: ${JSON.stringify(carnet + '/fhir')},
    clientId: 'demo-patient-app',
    scope: 'openid fhirUser launch/patient patient/*.rs',
    redirectUri: '/callback'
  });`);

const callbackPage = page(`
  FHIR.oauth2.ready().then(async (client) => {
    const patient = await client.patient.read();
    const documents = await client.request('DocumentReference?status=current&patient=' + client.patient.id);
    document.getElementById('result').textContent = JSON.stringify({
      patient: patient.id, family: patient.name[0].family, fhirUser: client.getFhirUser(),
      documents: documents.resourceType + '/' + documents.type
    });
  }).catch((error) => { document.getElementById('result').textContent = 'ERROR ' + error; });`);

const app = createServer((request, response) => {
  const path = new URL(request.url, 'http://localhost').pathname;
  const body = path === '/fhir-client.js' ? fhirClientJs : path === '/launch' ? launchPage
    : path === '/callback' ? callbackPage : null;
  response.writeHead(body ? 200 : 404, { 'Content-Type': path.endsWith('.js') ? 'text/javascript' : 'text/html' });
  response.end(body ?? 'not found');
});
await new Promise((resolve, reject) => {
  app.once('error', (error) => reject(new Error(`the test app cannot listen on ${appOrigin}: ${error.message}`)));
  app.listen(appPort, '127.0.0.1', resolve);
});

const browser = await chromium.launch({
  executablePath: chromiumPath,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync']
});
let passed = 0;
let failed = 0;
try {
  const tab = await browser.newPage();
  await tab.goto(`${appOrigin}/launch`);
  await tab.waitForURL(/\/login/, { timeout: 30000 });
  await tab.fill('#username', 'marie.dupont');
  await tab.fill('#password', 'demo');
  await tab.click('button[type=submit]');
  await tab.waitForURL(/choose-patient/, { timeout: 30000 });
  await tab.check('input[value="example-ins-demo"]');
  await tab.click('button[type=submit]');
  await tab.waitForURL(/smart\/consent/, { timeout: 30000 });
  await tab.click('#submit-consent');
  await tab.waitForURL(/\/callback/, { timeout: 30000 });
  await tab.waitForFunction(() => document.getElementById('result').textContent.length > 0, null, { timeout: 30000 });
  const text = await tab.textContent('#result');
  console.log('app saw: ' + text);
  const result = JSON.parse(text);
  const checks = {
    'the app read the chosen patient': result.patient === 'example-ins-demo' && result.family === 'Dupont',
    'the id_token names the user': result.fhirUser === 'Patient/example-ins-demo',
    'the app listed DocumentReferences': result.documents === 'Bundle/searchset'
  };
  for (const [check, ok] of Object.entries(checks)) {
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${check}`);
    ok ? passed++ : failed++;
  }
} catch (error) {
  console.log('FAIL the launch did not complete: ' + error);
  failed++;
} finally {
  await browser.close();
  app.close();
}
console.log(`conformance: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
