// A real external OIDC issuer (Keycloak, started by run.sh with the realm of docker/keycloak/) issues a
// client_credentials token to its backend client "carnet-hospital". Mode "accepted": Carnet, configured
// to trust that issuer (claims mapped: client id from azp, organization from organisation_idnat), serves
// the token's SMART scopes and nothing else, and applies the patient's access policy: its organization
// (from organisation_idnat, sector from organisation_secteur) is in Marie Dupont's care team in the demo
// data, so it reads her space, and a search must name the patient's space. Mode "refused": the same kind of token gets 401 from a
// Carnet that does not list the issuer.
const mode = process.argv[2];
const carnet = process.env.CARNET_URL ?? 'http://localhost:8080';
const keycloak = process.env.KEYCLOAK_URL ?? 'http://localhost:18180';

const tokenResponse = await fetch(`${keycloak}/realms/carnet/protocol/openid-connect/token`, {
  method: 'POST',
  headers: {
    'Content-Type': 'application/x-www-form-urlencoded',
    Authorization: 'Basic ' + Buffer.from('carnet-hospital:carnet-hospital-development-secret').toString('base64')
  },
  body: 'grant_type=client_credentials'
});
const { access_token: token } = await tokenResponse.json();
const get = (path) => fetch(`${carnet}/fhir/${path}`, { headers: { Authorization: `Bearer ${token}` } });
const status = async (path) => (await get(path)).status;
const total = async (path) => (await (await get(path)).json()).total;

const checks = mode === 'accepted'
  ? {
      'Keycloak issued a token': tokenResponse.status === 200 && Boolean(token),
      'its system/Patient.rs scope opens Patient search': (await status('Patient?_id=example-ins-demo')) === 200,
      'its system/DocumentReference.rs scope opens DocumentReference search':
        (await status('DocumentReference?status=current&patient=example-ins-demo')) === 200,
      "the care team's hospital sees Marie's documents, not the one masked from professionals":
        (await total('DocumentReference?status=current&patient=example-ins-demo&_total=accurate')) === 4,
      'a search that names no space is refused (400)': (await status('DocumentReference')) === 400,
      'a type it was not granted stays closed (403)': (await status('Communication')) === 403
    }
  : {
      'Keycloak issued a token': tokenResponse.status === 200 && Boolean(token),
      'a Carnet that does not trust the issuer refuses it (401)': (await status('Patient?_id=example-ins-demo')) === 401
    };
let passed = 0;
let failed = 0;
for (const [check, ok] of Object.entries(checks)) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${check}`);
  ok ? passed++ : failed++;
}
console.log(`conformance (external issuer, ${mode}): ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
