// User-bound access to the regional sources, against the real sandbox over loopback HTTP: a real id_token from
// the sandbox EPR is exchanged (RFC 8693) at the regional authorization server for a token per resource server,
// and each server checks that token, enforces the regional policy and audits every request itself.
import { randomBytes } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, importJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent, Bundle, OperationOutcome } from '../../common/fhir';
import { startSandbox, type RunningSandbox } from '../../sandbox';
import { s256Challenge } from '../../sandbox/auth/pkce';
import { startSandboxEpr, type SandboxEpr } from '../../sandbox/epr';
import { manualClock, testPatients } from './launch-fixtures';

const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ID_TOKEN = 'urn:ietf:params:oauth:token-type:id_token';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
const REFUSAL = 'https://fhir.wessexcarerecords.nhs.uk/CodeSystem/access-refusal';
const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const CALLBACK = 'http://127.0.0.1:45678/callback';

const clock = manualClock();
let sandbox: RunningSandbox;
let untrusted: SandboxEpr;

beforeAll(async () => {
  sandbox = await startSandbox({ now: clock.now });
  untrusted = await startSandboxEpr({ patients: testPatients() });
});
afterAll(async () => {
  await Promise.all([sandbox?.close(), untrusted?.close()]);
});

/** Signs in at a sandbox EPR as a browser would (authorize with PKCE, then the code for tokens): its id_token. */
async function signIn(fhirBase: string, user: string, clientId = 'wessex-care-record'): Promise<string> {
  const config = (await (await fetch(`${fhirBase}/.well-known/smart-configuration`)).json()) as {
    authorization_endpoint: string;
    token_endpoint: string;
  };
  const verifier = randomBytes(32).toString('base64url');
  const authorize = new URL(config.authorization_endpoint);
  for (const [k, v] of Object.entries({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: CALLBACK,
    scope: 'openid fhirUser user/*.rs',
    aud: fhirBase,
    state: 'state-1',
    code_challenge: s256Challenge(verifier),
    code_challenge_method: 'S256',
    user,
  }))
    authorize.searchParams.set(k, v);
  const redirect = await fetch(authorize, { redirect: 'manual' });
  const code = new URL(redirect.headers.get('location') ?? '').searchParams.get('code');
  if (!code) throw new Error(`no code from the EPR (HTTP ${redirect.status})`);
  const tokens = await fetch(config.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      client_id: clientId,
      redirect_uri: CALLBACK,
      code_verifier: verifier,
    }),
  });
  const body = (await tokens.json()) as { id_token?: string };
  if (!body.id_token) throw new Error('no id_token from the EPR');
  return body.id_token;
}

interface Exchange {
  idToken?: string;
  audience: string;
  purpose?: string;
  patient?: string;
  clientId?: string;
}

async function exchange(request: Exchange): Promise<{ status: number; body: Record<string, string> }> {
  const form = new URLSearchParams({
    grant_type: EXCHANGE,
    client_id: request.clientId ?? 'wessex-viewer',
    subject_token_type: ID_TOKEN,
    requested_token_type: ACCESS_TOKEN,
    audience: request.audience,
    scope: request.patient ? 'patient/*.rs' : 'user/*.rs',
    purpose_of_use: request.purpose ?? 'TREAT',
  });
  if (request.idToken !== undefined) form.set('subject_token', request.idToken);
  if (request.patient) form.set('patient', request.patient);
  const discovery = (await (
    await fetch(`${sandbox.urls.regionalAuth}/.well-known/openid-configuration`)
  ).json()) as { token_endpoint: string };
  const response = await fetch(discovery.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
  });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

/** A regional access token for this user, audience, purpose and (optionally) patient. */
async function accessToken(user: string, request: Omit<Exchange, 'idToken'>): Promise<string> {
  const { status, body } = await exchange({ ...request, idToken: await signIn(sandbox.urls.epr!, user) });
  if (status !== 200) throw new Error(`exchange refused: ${JSON.stringify(body)}`);
  return body.access_token!;
}

async function get<T = Bundle>(
  url: string,
  token?: string,
): Promise<{ status: number; body: T; wwwAuthenticate: string | null }> {
  const response = await fetch(url, {
    headers: { accept: 'application/fhir+json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
  return {
    status: response.status,
    body: (await response.json()) as T,
    wwwAuthenticate: response.headers.get('www-authenticate'),
  };
}

const refusalCode = (outcome: unknown): string | undefined =>
  (outcome as OperationOutcome).issue?.[0]?.details?.coding?.find((c) => c.system === REFUSAL)?.code;

const lastAudit = (server: { auditEvents: AuditEvent[] }): AuditEvent | undefined =>
  server.auditEvents.at(-1);
const auditedUser = (event: AuditEvent | undefined) => event?.agent?.[0]?.who;
const auditedPatients = (event: AuditEvent | undefined) =>
  (event?.entity ?? []).flatMap((e) => (e.what?.identifier?.system === NHS ? [e.what.identifier.value] : []));

const nhsOf = (key: string): string => sandbox.patient(key).nhsNumber;
const byNhs = (base: string, key: string): string =>
  `${base}/Patient?identifier=${encodeURIComponent(`${NHS}|${nhsOf(key)}`)}`;

async function regionalId(base: string, key: string, token: string): Promise<string> {
  const { status, body } = await get(byNhs(base, key), token);
  expect(status).toBe(200);
  const id = body.entry?.[0]?.resource?.id;
  if (!id) throw new Error(`${key} not found on ${base}`);
  return id;
}

describe('the regional authorization server', () => {
  it('publishes discovery and keys on its own origin', async () => {
    const issuer = sandbox.urls.regionalAuth;
    expect(new URL(issuer).origin).not.toBe(new URL(sandbox.urls.epr!).origin);
    const config = await get<Record<string, unknown>>(`${issuer}/.well-known/openid-configuration`);
    expect(config.body).toMatchObject({
      issuer,
      token_endpoint: `${issuer}/token`,
      jwks_uri: `${issuer}/jwks`,
      grant_types_supported: [EXCHANGE],
      token_endpoint_auth_methods_supported: ['none'],
    });
    expect((await get(`${issuer}/.well-known/smart-configuration`)).body).toEqual(config.body);
    const jwks = await get<{ keys: { kid: string; kty: string; d?: string }[] }>(`${issuer}/jwks`);
    expect(jwks.body.keys).toHaveLength(1);
    expect(jwks.body.keys[0]).toMatchObject({ kty: 'EC' });
    expect(jwks.body.keys[0]?.d).toBeUndefined();
  });

  it("exchanges the nurse's id_token for a short ES256 token bound to one server and one patient", async () => {
    const { status, body } = await exchange({
      idToken: await signIn(sandbox.urls.epr!, 'nurse'),
      audience: sandbox.urls.dcr,
      patient: nhsOf('frail'),
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      issued_token_type: ACCESS_TOKEN,
      token_type: 'Bearer',
      expires_in: 300,
      scope: 'patient/*.rs',
    });
    const token = body.access_token!;
    const keys = (await get<{ keys: { kid: string }[] }>(`${sandbox.urls.regionalAuth}/jwks`)).body.keys;
    const header = decodeProtectedHeader(token);
    expect(header.alg).toBe('ES256');
    expect(keys.map((k) => k.kid)).toContain(header.kid);
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({
      iss: sandbox.urls.regionalAuth,
      sub: 'sandbox-nurse-role',
      aud: sandbox.urls.dcr,
      client_id: 'wessex-viewer',
      scope: 'patient/*.rs',
      extensions: {
        ihe_iua: {
          subject_name: 'Priya Shah',
          subject_organization: 'Dorset HealthCare University NHS Foundation Trust',
          subject_organization_id: 'RDY',
          subject_role: { code: 'nurse' },
          purpose_of_use: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'TREAT' },
          person_id: `${NHS}|${nhsOf('frail')}`,
        },
      },
    });
    expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(300);
    expect(claims.jti).toEqual(expect.any(String));
  });

  it('refuses a missing or expired id_token, an untrusted issuer, an unknown client or audience', async () => {
    const idToken = await signIn(sandbox.urls.epr!, 'gp');
    const dcr = sandbox.urls.dcr;
    expect(await exchange({ audience: dcr })).toMatchObject({
      status: 400,
      body: { error: 'invalid_request' },
    });
    expect(await exchange({ idToken: await signIn(untrusted.fhirBase, 'gp'), audience: dcr })).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant' },
    });
    expect(await exchange({ idToken, audience: dcr, clientId: 'some-other-app' })).toMatchObject({
      status: 401,
      body: { error: 'unauthorized_client' },
    });
    expect(await exchange({ idToken, audience: 'http://127.0.0.1:1/fhir' })).toMatchObject({
      status: 400,
      body: { error: 'invalid_target' },
    });
    const forged = `${idToken.split('.')[0]}.${Buffer.from(
      JSON.stringify({ ...decodeJwt(idToken), sub: 'sandbox-admin-role' }),
    ).toString('base64url')}.${idToken.split('.')[2]}`;
    expect(await exchange({ idToken: forged, audience: dcr })).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant' },
    });
    expect((await exchange({ idToken, audience: dcr })).status).toBe(200);
    clock.advance(3600_000 + 31_000); // the EPR's id_tokens live an hour; the exchange allows 30 s leeway
    expect(await exchange({ idToken, audience: dcr })).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant', error_description: expect.stringMatching(/expired/) },
    });
  });

  it('refuses an id_token that a trusted issuer gave another application, not the viewer', async () => {
    const other = await startSandboxEpr({ patients: testPatients(), smartClientIds: ['another-app'] });
    try {
      sandbox.servers.regionalAuth.trustIssuer({
        issuer: other.fhirBase,
        jwksUri: `${new URL(other.tokenEndpoint).origin}/auth/jwks`,
        clientIds: ['wessex-care-record'],
      });
      const forAnotherApp = await signIn(other.fhirBase, 'gp', 'another-app');
      expect(decodeJwt(forAnotherApp).aud).toBe('another-app');
      expect(await exchange({ idToken: forAnotherApp, audience: sandbox.urls.dcr })).toMatchObject({
        status: 400,
        body: {
          error: 'invalid_grant',
          error_description: expect.stringMatching(/not issued to a registered viewer client/),
        },
      });
    } finally {
      await other.close();
    }
  });
});

describe('the regional servers, with user-bound tokens', () => {
  it("read the nurse's patient with a token bound to them, and audit it as the nurse", async () => {
    const token = await accessToken('nurse', { audience: sandbox.urls.dcr, patient: nhsOf('frail') });
    const id = await regionalId(sandbox.urls.dcr, 'frail', token);
    const conditions = await get(`${sandbox.urls.dcr}/Condition?patient=${id}`, token);
    expect(conditions.status).toBe(200);
    expect(conditions.body.entry?.length).toBeGreaterThan(0);
    const event = lastAudit(sandbox.servers.dcr);
    expect(event?.outcome).toBe('0');
    expect(auditedUser(event)).toEqual({
      identifier: { value: 'sandbox-nurse-role' },
      display: 'Priya Shah',
    });
    expect(event?.agent?.[0]?.purposeOfUse?.[0]?.coding?.[0]?.code).toBe('TREAT');
    expect(auditedPatients(event)).toEqual([nhsOf('frail')]);
  });

  it("refuse another patient's record to a token bound to one patient, and audit the refusal", async () => {
    const token = await accessToken('nurse', { audience: sandbox.urls.dcr, patient: nhsOf('frail') });
    const other = await get(byNhs(sandbox.urls.dcr, 'cross-border'), token);
    expect(other.status).toBe(403);
    expect(refusalCode(other.body)).toBe('patient-not-in-token');
    expect(lastAudit(sandbox.servers.dcr)).toMatchObject({ outcome: '4' });
    expect(auditedUser(lastAudit(sandbox.servers.dcr))?.display).toBe('Priya Shah');
    expect(auditedPatients(lastAudit(sandbox.servers.dcr))).toEqual([nhsOf('cross-border')]);

    const unbound = await accessToken('nurse', { audience: sandbox.urls.dcr });
    const otherId = await regionalId(sandbox.urls.dcr, 'cross-border', unbound);
    const clinical = await get(`${sandbox.urls.dcr}/Condition?patient=${otherId}`, token);
    expect(refusalCode(clinical.body)).toBe('patient-not-in-token');
    const everyone = await get(`${sandbox.urls.dcr}/Condition`, token);
    expect(refusalCode(everyone.body)).toBe('patient-not-in-token');

    // Following a reference to the other patient's entry, or asking CHIE for everything, is refused too.
    const theirs = await accessToken('nurse', { audience: sandbox.urls.dcr, patient: nhsOf('cross-border') });
    const entry = (await get(`${sandbox.urls.dcr}/Condition?patient=${otherId}`, theirs)).body.entry?.[0];
    expect(entry?.resource?.id).toBeDefined();
    const byReference = await get(`${sandbox.urls.dcr}/Condition/${entry?.resource?.id}`, token);
    expect(refusalCode(byReference.body)).toBe('patient-not-in-token');
    const chieToken = await accessToken('nurse', { audience: sandbox.urls.chie, patient: nhsOf('frail') });
    const chieId = await regionalId(
      sandbox.urls.chie,
      'cross-border',
      await accessToken('nurse', { audience: sandbox.urls.chie }),
    );
    const everything = await get(`${sandbox.urls.chie}/Patient/${chieId}/$everything`, chieToken);
    expect(everything.status).toBe(403);
    expect(refusalCode(everything.body)).toBe('patient-not-in-token');
  });

  it('refuse a token with no patient anything but patient search and the caseload lookup', async () => {
    const token = await accessToken('nurse', { audience: sandbox.urls.dcr });
    const list = await get(`${sandbox.urls.dcr}/List?code=caseload&status=current`, token);
    expect(list.status).toBe(200);
    expect(list.body.entry?.map((e) => e.resource?.id)).toContain(sandbox.caseload.listId);
    const appointments = await get(
      `${sandbox.urls.dcr}/Appointment?actor=Practitioner/sandbox-nurse&date=${sandbox.caseload.date}`,
      token,
    );
    expect(appointments.status).toBe(200);
    expect(appointments.body.entry?.length).toBeGreaterThan(0);
    const id = await regionalId(sandbox.urls.dcr, 'frail', token);
    const conditions = await get(`${sandbox.urls.dcr}/Condition?patient=${id}`, token);
    expect(conditions.status).toBe(403);
    expect(refusalCode(conditions.body)).toBe('patient-not-in-token');
    // The diagnosis a caseload alert links to, by its id and naming its patient, it may read (the watch checks
    // it against local policy before telling the alert); by id alone, naming no patient, it may not.
    const bound = await accessToken('nurse', { audience: sandbox.urls.dcr, patient: nhsOf('frail') });
    const conditionId = (await get(`${sandbox.urls.dcr}/Condition?patient=${id}`, bound)).body.entry?.[0]
      ?.resource?.id;
    expect(conditionId).toBeTruthy();
    const linked = await get(`${sandbox.urls.dcr}/Condition?_id=${conditionId}&patient=Patient/${id}`, token);
    expect(linked.status).toBe(200);
    expect(linked.body.entry?.map((e) => e.resource?.id)).toEqual([conditionId]);
    const unnamed = await get(`${sandbox.urls.dcr}/Condition?_id=${conditionId}`, token);
    expect(unnamed.status).toBe(403);
    expect(refusalCode(unnamed.body)).toBe('patient-not-in-token');
  });

  it('refuse an expired token with invalid_token, and audit it with no user', async () => {
    const token = await accessToken('gp', { audience: sandbox.urls.chie, patient: nhsOf('frail') });
    expect((await get(byNhs(sandbox.urls.chie, 'frail'), token)).status).toBe(200);
    clock.advance(301_000);
    const expired = await get(byNhs(sandbox.urls.chie, 'frail'), token);
    expect(expired.status).toBe(401);
    expect(expired.wwwAuthenticate).toMatch(/error="invalid_token"/);
    expect(lastAudit(sandbox.servers.chie)).toMatchObject({ outcome: '8' });
    expect(auditedUser(lastAudit(sandbox.servers.chie))).toBeUndefined();
  });

  it("refuse DCR's token at CHIE (wrong audience)", async () => {
    const token = await accessToken('gp', { audience: sandbox.urls.dcr, patient: nhsOf('cross-border') });
    const atChie = await get(byNhs(sandbox.urls.chie, 'cross-border'), token);
    expect(atChie.status).toBe(401);
    expect(atChie.wwwAuthenticate).toMatch(/error="invalid_token"/);
    expect(lastAudit(sandbox.servers.chie)).toMatchObject({ outcome: '8' });
    expect(auditedUser(lastAudit(sandbox.servers.chie))).toBeUndefined();
  });

  it('refuse a token whose signature was tampered with', async () => {
    const token = await accessToken('gp', { audience: sandbox.urls.dcr, patient: nhsOf('cross-border') });
    const [head, body, signature] = token.split('.') as [string, string, string];
    const flipped = signature[10] === 'A' ? 'B' : 'A';
    const tampered = `${head}.${body}.${signature.slice(0, 10)}${flipped}${signature.slice(11)}`;
    const response = await get(byNhs(sandbox.urls.dcr, 'cross-border'), tampered);
    expect(response.status).toBe(401);
    expect(response.wwwAuthenticate).toMatch(/error="invalid_token"/);
    expect(lastAudit(sandbox.servers.dcr)).toMatchObject({ outcome: '8' });
    expect(auditedUser(lastAudit(sandbox.servers.dcr))).toBeUndefined();

    const none = await get(byNhs(sandbox.urls.dcr, 'cross-border'));
    expect(none.status).toBe(401);
    expect(lastAudit(sandbox.servers.dcr)).toMatchObject({ outcome: '8' });
  });

  it("refuse the admin clerk's role clinical data, but let them search for a patient", async () => {
    const token = await accessToken('admin', { audience: sandbox.urls.dcr, patient: nhsOf('frail') });
    const unbound = await accessToken('admin', { audience: sandbox.urls.dcr });
    const found = await get(byNhs(sandbox.urls.dcr, 'frail'), unbound);
    expect(found.status).toBe(200);
    const id = found.body.entry?.[0]?.resource?.id;
    const observations = await get(`${sandbox.urls.dcr}/Observation?patient=${id}`, token);
    expect(observations.status).toBe(403);
    expect(refusalCode(observations.body)).toBe('role-not-permitted');
    expect(lastAudit(sandbox.servers.dcr)).toMatchObject({ outcome: '4' });
    expect(auditedUser(lastAudit(sandbox.servers.dcr))?.display).toBe('Tom Bell');
  });

  it('refuse a clinical read whose purpose of use is not direct care or break-glass', async () => {
    const token = await accessToken('gp', {
      audience: sandbox.urls.dcr,
      patient: nhsOf('frail'),
      purpose: 'HOPERAT',
    });
    const response = await get(byNhs(sandbox.urls.dcr, 'frail'), token);
    expect(response.status).toBe(403);
    expect(refusalCode(response.body)).toBe('purpose-not-permitted');
    expect(lastAudit(sandbox.servers.dcr)?.agent?.[0]?.purposeOfUse?.[0]?.coding?.[0]?.code).toBe('HOPERAT');
  });

  it("withhold a dissenting patient's record unless the access is break-glass", async () => {
    const nhs = nhsOf('dissent');
    const treat = await accessToken('gp', { audience: sandbox.urls.chie, patient: nhs });
    const refused = await get(byNhs(sandbox.urls.chie, 'dissent'), treat);
    expect(refused.status).toBe(403);
    expect(refusalCode(refused.body)).toBe('patient-dissent');
    expect(lastAudit(sandbox.servers.chie)).toMatchObject({ outcome: '4' });
    expect(auditedPatients(lastAudit(sandbox.servers.chie))).toEqual([nhs]);

    const breakGlass = await accessToken('gp', {
      audience: sandbox.urls.chie,
      patient: nhs,
      purpose: 'ETREAT',
    });
    const id = await regionalId(sandbox.urls.chie, 'dissent', breakGlass);
    const allergies = await get(`${sandbox.urls.chie}/AllergyIntolerance?patient=${id}`, breakGlass);
    expect(allergies.status).toBe(200);
    expect(allergies.body.entry?.length).toBeGreaterThan(0);
    const event = lastAudit(sandbox.servers.chie);
    expect(event?.outcome).toBe('0');
    expect(event?.agent?.[0]?.purposeOfUse?.[0]?.coding?.[0]?.code).toBe('ETREAT');
  });

  it('refuse _include, _revinclude, _has and chained searches, which would reach past the patients the token names', async () => {
    const unbound = await accessToken('nurse', { audience: sandbox.urls.dcr });
    const bound = await accessToken('nurse', { audience: sandbox.urls.dcr, patient: nhsOf('frail') });
    const id = await regionalId(sandbox.urls.dcr, 'frail', bound);
    const frailByNhs = encodeURIComponent(`${NHS}|${nhsOf('frail')}`);
    const reaching: [string, string][] = [
      [`Patient?_revinclude=Observation:patient&_count=1000`, unbound],
      [`Patient?_has:Observation:patient:status=final`, unbound],
      [`Patient?identifier=${frailByNhs}&_revinclude:iterate=Condition:patient`, unbound],
      [`Encounter?patient=${id}&_include=Encounter:location&_revinclude:iterate=Encounter:location`, bound],
      [`Condition?patient=${id}&_include:iterate=Condition:subject`, bound],
      [`Appointment?actor=Practitioner/sandbox-nurse&_include=Appointment:actor`, unbound],
      [`Condition?patient=${id}&encounter.subject.name=Smith`, bound],
      [`Observation?subject:Patient.name=Smith&patient=${id}`, bound],
    ];
    for (const [search, token] of reaching) {
      const answer = await get<OperationOutcome>(`${sandbox.urls.dcr}/${search}`, token);
      expect(answer.status, search).toBe(400);
      expect(answer.body.issue[0]?.code, search).toBe('not-supported');
    }
    // The caseload lookup's appointments with their patients (demographics the token may search) still answer,
    // as does the patient identifier chain the access check itself reads, for the token's patient.
    const appointments = await get(
      `${sandbox.urls.dcr}/Appointment?actor=Practitioner/sandbox-nurse&date=${sandbox.caseload.date}&_include=Appointment:patient`,
      unbound,
    );
    expect(appointments.status).toBe(200);
    expect(appointments.body.entry?.some((e) => e.resource?.resourceType === 'Patient')).toBe(true);
    const byIdentifier = await get(`${sandbox.urls.dcr}/Condition?patient.identifier=${frailByNhs}`, bound);
    expect(byIdentifier.status).toBe(200);
    expect(byIdentifier.body.entry?.length).toBeGreaterThan(0);
    expect(byIdentifier.body.entry?.every((e) => e.resource?.resourceType === 'Condition')).toBe(true);
  });

  it("refuse Patient/$everything to a token bound to no patient, and to a dissenting patient's token", async () => {
    const unbound = await accessToken('nurse', { audience: sandbox.urls.chie });
    const frailId = await regionalId(sandbox.urls.chie, 'frail', unbound);
    const everyone = await get(`${sandbox.urls.chie}/Patient/${frailId}/$everything`, unbound);
    expect(everyone.status).toBe(403);
    expect(refusalCode(everyone.body)).toBe('patient-not-in-token');
    expect(lastAudit(sandbox.servers.chie)).toMatchObject({ outcome: '4' });

    const dissentId = await regionalId(sandbox.urls.chie, 'dissent', unbound);
    const dissentToken = await accessToken('gp', { audience: sandbox.urls.chie, patient: nhsOf('dissent') });
    const dissented = await get(`${sandbox.urls.chie}/Patient/${dissentId}/$everything`, dissentToken);
    expect(dissented.status).toBe(403);
    expect(refusalCode(dissented.body)).toBe('patient-dissent');

    const frailToken = await accessToken('nurse', { audience: sandbox.urls.chie, patient: nhsOf('frail') });
    const own = await get(`${sandbox.urls.chie}/Patient/${frailId}/$everything`, frailToken);
    expect(own.status).toBe(200);
    expect(own.body.entry?.length).toBeGreaterThan(1);
  });
});

describe('the record locator and the audit endpoint, with user-bound tokens', () => {
  it("search the locator by the token's patient only", async () => {
    const token = await accessToken('paramedic', { audience: sandbox.urls.locator, patient: nhsOf('frail') });
    const search = (key: string) =>
      get(
        `${sandbox.urls.locator}/DocumentReference?subject:identifier=${encodeURIComponent(`${NHS}|${nhsOf(key)}`)}`,
        token,
      );
    const own = await search('frail');
    expect(own.status).toBe(200);
    expect(own.body.entry?.length).toBeGreaterThan(0);
    const other = await search('cross-border');
    expect(other.status).toBe(403);
    expect(refusalCode(other.body)).toBe('patient-not-in-token');
    expect(auditedUser(lastAudit(sandbox.servers.locator))?.display).toBe('Sam Okafor');
  });

  it('take audit uploads under HOPERAT but not under break-glass', async () => {
    const upload = async (purpose: string) => {
      const token = await accessToken('nurse', { audience: sandbox.urls.audit, purpose });
      const response = await fetch(`${sandbox.urls.audit}/AuditEvent`, {
        method: 'POST',
        headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ resourceType: 'AuditEvent', recorded: new Date(clock.now()).toISOString() }),
      });
      return { status: response.status, body: (await response.json()) as unknown };
    };
    expect((await upload('HOPERAT')).status).toBe(201);
    expect(lastAudit(sandbox.servers.audit)).toMatchObject({ outcome: '0', action: 'C' });
    const refused = await upload('ETREAT');
    expect(refused.status).toBe(403);
    expect(refusalCode(refused.body)).toBe('purpose-not-permitted');
  });
});

/** A SMART Backend Services token from the sandbox EPR (what the client used before token exchange). */
async function backendServicesToken(running: RunningSandbox, audience: string): Promise<string> {
  const epr = running.epr!;
  const { clientId, privateJwk } = epr.backendClient;
  const nowS = Math.floor(clock.now() / 1000);
  const assertion = await new SignJWT({})
    .setProtectedHeader({ alg: 'ES384', kid: privateJwk.kid! })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(epr.tokenEndpoint)
    .setIssuedAt(nowS)
    .setExpirationTime(nowS + 240)
    .setJti(randomBytes(16).toString('hex'))
    .sign(await importJWK(privateJwk, 'ES384'));
  const response = await fetch(epr.tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
      scope: 'system/*.rs',
      aud: audience,
    }),
  });
  const body = (await response.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`no backend-services token (HTTP ${response.status})`);
  return body.access_token;
}

describe('no shared secret opens a regional server', () => {
  it("refuses the EPR's backend-services tokens and a locator request without a token", async () => {
    sandbox.epr!.allowAudience(sandbox.urls.dcr); // the EPR would issue one; DCR must still refuse it
    const token = await backendServicesToken(sandbox, sandbox.urls.dcr);
    const refused = await get(byNhs(sandbox.urls.dcr, 'frail'), token);
    expect(refused.status).toBe(401);
    expect(lastAudit(sandbox.servers.dcr)).toMatchObject({ outcome: '8' });
    const locator = `${sandbox.urls.locator}/DocumentReference?subject:identifier=${encodeURIComponent(`${NHS}|${nhsOf('frail')}`)}`;
    expect((await get(locator)).status).toBe(401);
  });
});
