// The client side of user-bound regional access: the signed-in user's id_token exchanged (RFC 8693) at a
// regional authorization server on loopback for a token per source, patient and purpose; cached, renewed after
// a 401, refused clearly (by error code, never the server's own words), and never sent anywhere else.
import { afterEach, describe, expect, it } from 'vitest';
import {
  SIGN_IN_AGAIN,
  TokenExchangeError,
  TokenExchangeProvider,
  type ExchangeTarget,
  type SubjectToken,
} from '../../main/services/auth/token-exchange';
import { SourceClient, tokenFromProvider } from '../../main/services/http';
import { manualClock } from './launch-fixtures';
import {
  exchangingServer,
  startScriptedServer,
  type Reply,
  type ScriptedServer,
} from './token-exchange-fixtures';

const NHS = '9434765919';
const OTHER_NHS = '9449306060';
const open: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function authorizationServer(
  answer?: (request: Parameters<ScriptedServer['answer']>[0], origin: string) => Reply,
): Promise<ScriptedServer> {
  const exchange = exchangingServer();
  const server = await startScriptedServer(() => ({ status: 500, body: {} }));
  server.answer = (request) => (answer ?? exchange)(request, server.origin);
  open.push(server);
  return server;
}

const target = (id: string, audience: string, issuer: string): ExchangeTarget => ({
  id,
  name: id === 'dcr' ? 'Dorset Care Record' : 'CHIE',
  audience,
  auth: { type: 'token-exchange', issuer, clientId: 'wessex-viewer' },
});

function provider(
  issuer: string,
  subject: () => SubjectToken | undefined,
  clock = manualClock(),
): TokenExchangeProvider {
  return new TokenExchangeProvider({
    targets: [
      target('dcr', 'http://127.0.0.1:1/dcr/fhir', issuer),
      target('chie', 'http://127.0.0.1:2/chie/fhir', issuer),
    ],
    subjectToken: subject,
    now: clock.now,
  });
}

const signedIn =
  (token = 'id-token-of-the-gp', clock = manualClock()) =>
  () => ({
    token,
    expiresAt: clock.now() + 3_600_000,
  });
const exchanges = (server: ScriptedServer) => server.requests.filter((r) => r.path === '/token');

describe('exchanging the user’s id_token', () => {
  it('asks for a token for exactly that source, patient and purpose, with the contract’s parameters', async () => {
    const as = await authorizationServer();
    const tokens = provider(as.origin, signedIn());
    expect(await tokens.getToken('dcr', { patient: NHS, purpose: 'TREAT' })).toBe('token-1');
    const [exchange] = exchanges(as);
    expect(Object.fromEntries(exchange!.form!)).toEqual({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      client_id: 'wessex-viewer',
      subject_token: 'id-token-of-the-gp',
      subject_token_type: 'urn:ietf:params:oauth:token-type:id_token',
      requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      audience: 'http://127.0.0.1:1/dcr/fhir',
      scope: 'patient/*.rs',
      purpose_of_use: 'TREAT',
      patient: NHS,
    });
    // Without a patient (patient search, caseload): user scope, no patient bound.
    await tokens.getToken('chie');
    const search = Object.fromEntries(exchanges(as)[1]!.form!);
    expect(search).toMatchObject({
      audience: 'http://127.0.0.1:2/chie/fhir',
      scope: 'user/*.rs',
      purpose_of_use: 'TREAT',
    });
    expect(search.patient).toBeUndefined();
    // Discovery once for the issuer, not per source.
    expect(as.requests.filter((r) => r.path === '/.well-known/openid-configuration')).toHaveLength(1);
  });

  it('keeps one token per (source, patient, purpose) and the same for repeated reads', async () => {
    const as = await authorizationServer();
    const tokens = provider(as.origin, signedIn());
    const treat = { patient: NHS, purpose: 'TREAT' } as const;
    const first = await tokens.getToken('dcr', treat);
    expect(await tokens.getToken('dcr', treat)).toBe(first);
    const others = await Promise.all([
      tokens.getToken('chie', treat),
      tokens.getToken('dcr', { patient: OTHER_NHS, purpose: 'TREAT' }),
      tokens.getToken('dcr', { patient: NHS, purpose: 'ETREAT' }),
    ]);
    expect(new Set([first, ...others]).size).toBe(4);
    expect(exchanges(as).map((r) => r.form!.get('purpose_of_use'))).toEqual([
      'TREAT',
      'TREAT',
      'TREAT',
      'ETREAT',
    ]);
  });

  it('renews 30 s before expiry, and after a 401 exchanges once more', async () => {
    const as = await authorizationServer();
    const clock = manualClock();
    const tokens = provider(as.origin, signedIn('id-token-of-the-gp', clock), clock);
    const access = { patient: NHS, purpose: 'TREAT' } as const;
    expect(await tokens.getToken('dcr', access)).toBe('token-1');
    clock.advance(269_000);
    expect(await tokens.getToken('dcr', access)).toBe('token-1');
    clock.advance(2_000);
    expect(await tokens.getToken('dcr', access)).toBe('token-2');

    // A source that refuses the first token: the client renews it once and the read goes through.
    let refusedOnce = false;
    const fhir = await startScriptedServer(() => {
      if (refusedOnce) return { status: 200, body: { resourceType: 'Patient', id: 'p1' } };
      refusedOnce = true;
      return { status: 401, body: {}, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } };
    });
    open.push(fhir);
    const source = new TokenExchangeProvider({
      targets: [target('dcr', `${fhir.origin}/fhir`, as.origin)],
      subjectToken: signedIn(),
    });
    const client = new SourceClient({
      name: 'Dorset Care Record',
      baseUrl: `${fhir.origin}/fhir`,
      token: tokenFromProvider(source, 'dcr', { access }),
      deadlineMs: 5_000,
    });
    try {
      const response = await client.get(`${fhir.origin}/fhir/Patient/p1`);
      expect(response.status).toBe(200);
    } finally {
      await client.close();
    }
    expect(fhir.requests.map((r) => r.authorization)).toEqual(['Bearer token-3', 'Bearer token-4']);
  });

  it('never hands one user’s token to the next user who signs in', async () => {
    const as = await authorizationServer();
    let who = 'id-token-of-the-gp';
    const tokens = provider(as.origin, () => ({ token: who, expiresAt: Date.now() + 3_600_000 }));
    const gp = await tokens.getToken('dcr', { patient: NHS, purpose: 'TREAT' });
    who = 'id-token-of-the-nurse';
    const nurse = await tokens.getToken('dcr', { patient: NHS, purpose: 'TREAT' });
    expect(nurse).not.toBe(gp);
    expect(exchanges(as).map((r) => r.form!.get('subject_token'))).toEqual([
      'id-token-of-the-gp',
      'id-token-of-the-nurse',
    ]);
  });
});

describe('when the sign-in cannot be exchanged', () => {
  it('an expired id_token says "sign in again" and asks no server', async () => {
    const as = await authorizationServer();
    const clock = manualClock();
    const tokens = provider(as.origin, () => ({ token: 'old', expiresAt: clock.now() - 1 }), clock);
    const refused = await tokens.getToken('dcr', { patient: NHS, purpose: 'TREAT' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TokenExchangeError);
    expect((refused as TokenExchangeError).failure).toBe('sign-in-expired');
    expect((refused as Error).message).toBe(`Dorset Care Record: your sign-in has expired. ${SIGN_IN_AGAIN}`);
    expect(as.requests).toHaveLength(0);
  });

  it('no one signed in: nothing is asked', async () => {
    const as = await authorizationServer();
    const tokens = provider(as.origin, () => undefined);
    await expect(tokens.getToken('dcr')).rejects.toThrow(
      'Dorset Care Record: no one is signed in. Sign in to read the regional records.',
    );
    expect(as.requests).toHaveLength(0);
  });

  it.each([
    ['invalid_grant', 400, 'sign-in-expired', `it did not accept your sign-in. ${SIGN_IN_AGAIN}`],
    [
      'invalid_target',
      400,
      'misconfigured',
      'it does not know this server; ask IT to check the viewer’s policy.',
    ],
    [
      'unauthorized_client',
      401,
      'misconfigured',
      'it does not know this viewer; ask IT to check the client id in the viewer’s policy.',
    ],
    ['invalid_request', 400, 'refused', 'it rejected the viewer’s request.'],
  ])(
    'a refusal with %s is explained by its code, never the server’s words',
    async (code, status, failure, words) => {
      const hostileText = '\u202Eclick https://evil.example to re-enter your password';
      const exchange = exchangingServer();
      const as = await authorizationServer((request, origin) =>
        request.path === '/token'
          ? { status, body: { error: code, error_description: hostileText } }
          : exchange(request, origin),
      );
      const refused = (await provider(as.origin, signedIn())
        .getToken('dcr', { patient: NHS, purpose: 'TREAT' })
        .catch((e: unknown) => e)) as TokenExchangeError;
      expect(refused.failure).toBe(failure);
      expect(refused.code).toBe(code);
      expect(refused.message).toBe(
        `Dorset Care Record: the regional sign-in server refused access (${code}): ${words}`,
      );
      expect(refused.message).not.toContain('evil');
    },
  );

  it('an unknown error code is not repeated: only the HTTP status is named', async () => {
    const exchange = exchangingServer();
    const as = await authorizationServer((request, origin) =>
      request.path === '/token'
        ? { status: 400, body: { error: '<script>alert(1)</script>' } }
        : exchange(request, origin),
    );
    await expect(provider(as.origin, signedIn()).getToken('dcr')).rejects.toThrow(
      /^Dorset Care Record: the regional sign-in server refused access \(HTTP 400\)\.$/,
    );
  });

  it('a discovery document naming a token endpoint on another server: the id_token is not sent there', async () => {
    const elsewhere = await startScriptedServer(() => ({
      status: 200,
      body: { access_token: 'stolen', token_type: 'Bearer' },
    }));
    open.push(elsewhere);
    const exchange = exchangingServer({ tokenOrigin: () => elsewhere.origin });
    const as = await authorizationServer(exchange);
    await expect(provider(as.origin, signedIn()).getToken('dcr')).rejects.toThrow(
      'Dorset Care Record: the regional sign-in server named a token endpoint on another server; your sign-in was not sent there.',
    );
    expect(elsewhere.requests).toHaveLength(0);
  });

  it('a discovery document must name its own issuer: written another way it is the same, another is refused', async () => {
    const namingIssuer = async (issuer: (origin: string) => string) => {
      const exchange = exchangingServer();
      const as = await authorizationServer((request, origin) => {
        const reply = exchange(request, origin);
        return request.path === '/.well-known/openid-configuration'
          ? { ...reply, body: { ...(reply.body as object), issuer: issuer(origin) } }
          : reply;
      });
      return provider(as.origin, signedIn()).getToken('dcr');
    };
    expect(await namingIssuer((origin) => `${origin.replace('http:', 'HTTP:')}/`)).toBe('token-1');
    const unusable = 'Dorset Care Record: the regional sign-in server’s configuration could not be used.';
    await expect(namingIssuer(() => 'http://127.0.0.1:1')).rejects.toThrow(unusable);
    await expect(namingIssuer(() => 'not a URL')).rejects.toThrow(unusable);
  });

  it('an answer without a bearer token is refused, not used', async () => {
    const exchange = exchangingServer();
    const as = await authorizationServer((request, origin) =>
      request.path === '/token'
        ? { status: 200, body: { access_token: 'x', token_type: 'N_A' } }
        : exchange(request, origin),
    );
    await expect(provider(as.origin, signedIn()).getToken('dcr')).rejects.toThrow(
      'Dorset Care Record: the regional sign-in server’s answer held no usable token.',
    );
  });

  it('an authorization server that is down is named as unreachable', async () => {
    const as = await authorizationServer();
    const issuer = as.origin;
    await as.close();
    open.splice(open.indexOf(as), 1);
    await expect(provider(issuer, signedIn()).getToken('dcr')).rejects.toThrow(
      'Dorset Care Record: the regional sign-in server could not be reached.',
    );
  });
});
