// The patient's pages of the SMART App Launch (login, failed login, choice of space, consent, authorized
// apps) in headless Chromium, in French and in English (the browser's language), against a Carnet server
// with the demo profile at CARNET_URL:
//   - the whole launch is done with the keyboard only (Tab, Shift+Tab, Space, Enter, typing; no click),
//     and every focused element must show a visible focus outline;
//   - axe-core checks each page (WCAG 2.1 A/AA and best practices); any serious or critical violation
//     fails the run; the counts per page are printed (and written to axe-summary.json);
//   - each page is captured at 320 px and 1280 px wide into SCREENSHOT_DIR (default ../target/screenshots),
//     and must not scroll sideways at 320 px;
//   - the app's code gives a token that reads the chosen space; after "Withdraw access" on the
//     authorized apps page, the same token is refused.
// The demo patient app registers http://127.0.0.1:8000/callback; a loopback IP redirect URI may use any
// port (RFC 8252 §7.3), so the small page the app returns to is served on a port free now (APP_PORT).
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const carnet = process.env.CARNET_URL ?? 'http://localhost:8080';
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const screenshots = resolve(process.env.SCREENSHOT_DIR
  ?? fileURLToPath(new URL('../target/screenshots', import.meta.url)));
const axeSource = readFileSync(new URL('./node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');
const app = 'demo-patient-app';
const appPort = Number(process.env.APP_PORT ?? 8000);
const redirect = `http://127.0.0.1:${appPort}/callback`;
const scopes = 'openid fhirUser launch/patient offline_access patient/*.rs patient/*.cruds';
const widths = [320, 1280];

mkdirSync(screenshots, { recursive: true });
let passed = 0;
let failed = 0;
const summary = {};

function check(what, ok, detail = '') {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}${ok || !detail ? '' : ': ' + detail}`);
  ok ? passed++ : failed++;
}

const base64url = (bytes) => bytes.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** Presses Tab (or Shift+Tab) until the focused element matches the selector; checks each stop shows its focus. */
async function tabTo(tab, selector, { backwards = false, max = 40 } = {}) {
  for (let i = 0; i < max; i++) {
    await tab.keyboard.press(backwards ? 'Shift+Tab' : 'Tab');
    const focus = await tab.evaluate((wanted) => {
      const element = document.activeElement;
      if (!element || element === document.body) return { matches: false, visible: true, what: 'body' };
      const style = getComputedStyle(element);
      return {
        matches: element.matches(wanted),
        visible: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 1,
        what: element.outerHTML.slice(0, 80)
      };
    }, selector);
    if (!focus.visible) throw new Error('no visible focus on ' + focus.what);
    if (focus.matches) return;
  }
  throw new Error(`${selector} not reached with ${backwards ? 'Shift+Tab' : 'Tab'}`);
}

/** axe-core on the page: counts by impact; serious or critical violations fail. Then screenshots. */
async function audit(tab, name, language) {
  await tab.addScriptTag({ content: axeSource });
  const result = await tab.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }
  }));
  const byImpact = { critical: 0, serious: 0, moderate: 0, minor: 0 };
  for (const violation of result.violations) byImpact[violation.impact] = (byImpact[violation.impact] ?? 0) + 1;
  const key = `${name} (${language})`;
  summary[key] = { violations: byImpact, passes: result.passes.length, incomplete: result.incomplete.length,
    rules: result.violations.map((violation) => `${violation.impact} ${violation.id}`) };
  console.log(`axe ${key}: violations critical ${byImpact.critical}, serious ${byImpact.serious}, moderate ${byImpact.moderate}, `
    + `minor ${byImpact.minor}; passes ${result.passes.length}; incomplete ${result.incomplete.length}`);
  for (const violation of result.violations) {
    console.log(`    ${violation.impact} ${violation.id}: ${violation.help} (${violation.nodes.length} node(s))`);
  }
  check(`${key}: no serious or critical axe violation`, byImpact.critical === 0 && byImpact.serious === 0);
  check(`${key}: <html lang="${language}">`, await tab.getAttribute('html', 'lang') === language);
  const size = tab.viewportSize();
  for (const width of widths) {
    await tab.setViewportSize({ width, height: 900 });
    if (width === 320) {
      const overflow = await tab.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      check(`${key}: no sideways scrolling at 320 px`, overflow <= 0, `${overflow} px too wide`);
    }
    await tab.screenshot({ path: `${screenshots}/${name}-${language}-${width}.png`, fullPage: true });
  }
  await tab.setViewportSize(size);
}

async function launch(browser, language) {
  const context = await browser.newContext({ locale: language === 'fr' ? 'fr-FR' : 'en-US', viewport: { width: 1280, height: 900 } });
  const tab = await context.newPage();
  try {
    const verifier = base64url(randomBytes(32));
    const challenge = base64url(createHash('sha256').update(verifier).digest());
    const authorize = new URL(carnet + '/oauth2/authorize');
    for (const [name, value] of Object.entries({
      response_type: 'code', client_id: app, redirect_uri: redirect, scope: scopes, state: base64url(randomBytes(12)),
      aud: carnet + '/fhir', code_challenge: challenge, code_challenge_method: 'S256'
    })) authorize.searchParams.set(name, value);

    // 1. Login page, then a failed login (an unknown account: answered as any failure).
    await tab.goto(authorize.toString());
    await tab.waitForURL(/\/login$/);
    await audit(tab, 'login', language);
    await tabTo(tab, '#username');
    await tab.keyboard.type('personne.inconnue');
    await tabTo(tab, '#password');
    await tab.keyboard.type('not-the-password');
    await tab.keyboard.press('Enter');
    await tab.waitForURL(/\/login\?error$/);
    check(`login-failed (${language}): the message is an alert tied to both fields`,
      await tab.locator('#login-error[role="alert"]').count() === 1
      && await tab.getAttribute('#username', 'aria-describedby') === 'login-error'
      && await tab.getAttribute('#password', 'aria-invalid') === 'true');
    await audit(tab, 'login-failed', language);

    // 2. The right password, by keyboard.
    await tabTo(tab, '#username');
    await tab.keyboard.type('marie.dupont');
    await tabTo(tab, '#password');
    await tab.keyboard.type('demo');
    await tab.keyboard.press('Enter');
    await tab.waitForURL(/\/smart\/choose-patient/);

    // 3. Picker: Marie's own space comes first, checked; Space keeps it, Enter on Continue.
    await audit(tab, 'picker', language);
    await tabTo(tab, 'input[name="carnet_patient"][value="example-ins-demo"]');
    await tab.keyboard.press('Space');
    await tabTo(tab, 'form button[type="submit"]');
    await tab.keyboard.press('Enter');
    await tab.waitForURL(/\/smart\/consent/);

    // 4. Consent: untick offline_access with Space, Shift+Tab back one box, then Enter on Allow.
    await audit(tab, 'consent', language);
    await tabTo(tab, 'input[name="scope"][value="offline_access"]');
    await tab.keyboard.press('Space');
    check(`consent (${language}): Space unticks a scope`,
      !(await tab.isChecked('input[name="scope"][value="offline_access"]')));
    await tabTo(tab, 'input[name="scope"]:not([value="offline_access"])', { backwards: true, max: 1 });
    await tabTo(tab, '#submit-consent');
    await tab.keyboard.press('Enter');
    await tab.waitForURL((url) => url.toString().startsWith(redirect));
    const code = new URL(tab.url()).searchParams.get('code');
    check(`launch (${language}): back in the app with a code, by keyboard only`, !!code);

    // 5. The app's side: the code gives a token for Marie's space, without the unticked scope.
    const tokenResponse = await fetch(carnet + '/oauth2/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirect, client_id: app,
        code_verifier: verifier })
    });
    const tokens = await tokenResponse.json();
    check(`launch (${language}): token for the chosen space, offline_access left out`,
      tokens.patient === 'example-ins-demo' && !tokens.scope.split(' ').includes('offline_access'), JSON.stringify(tokens));
    const read = () => fetch(`${carnet}/fhir/Patient/${tokens.patient}`,
      { headers: { Authorization: 'Bearer ' + tokens.access_token, Accept: 'application/fhir+json' } });
    check(`launch (${language}): the token reads the space`, (await read()).status === 200);

    // 6. Authorized apps: withdraw the demo app's access by keyboard; its token is refused at once.
    await tab.goto(carnet + '/smart/apps');
    await audit(tab, 'apps', language);
    await tabTo(tab, 'button[id^="withdraw-"]');
    await tab.keyboard.press('Enter');
    await tab.waitForSelector('.alert-success[role="status"]');
    check(`apps (${language}): the withdrawn app is no longer listed`, await tab.locator('button[id^="withdraw-"]').count() === 0);
    await audit(tab, 'apps-withdrawn', language);
    const after = await read();
    check(`apps (${language}): the app's token is refused after the withdrawal`, after.status === 401, `status ${after.status}`);
  } catch (error) {
    check(`the keyboard launch in ${language} completed`, false, String(error));
    await tab.screenshot({ path: `${screenshots}/error-${language}.png`, fullPage: true }).catch(() => {});
  } finally {
    await context.close();
  }
}

const appPage = createServer((request, response) => {
  response.writeHead(200, { 'Content-Type': 'text/html' });
  response.end('<!DOCTYPE html><html lang="en"><head><title>Demo app</title></head><body><main><h1>Back in the app</h1></main></body></html>');
});
await new Promise((resolve, reject) => {
  appPage.once('error', (error) => reject(new Error(`the test app cannot listen on port ${appPort}: ${error.message}`)));
  appPage.listen(appPort, '127.0.0.1', resolve);
});
const browser = await chromium.launch({
  executablePath: chromiumPath,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync']
});
try {
  for (const language of ['fr', 'en']) await launch(browser, language);
} finally {
  await browser.close();
  appPage.close();
}
writeFileSync(`${screenshots}/axe-summary.json`, JSON.stringify(summary, null, 2) + '\n');
console.log(`screenshots and axe-summary.json in ${screenshots}`);
console.log(`patient pages: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
