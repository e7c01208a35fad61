// A loopback emulation of the public SMART launcher (smart-on-fhir/smart-launcher-v2, launch.smarthealthit.org)
// for the parts this client touches: discovery at /v/r4[/sim/…]/fhir, authorize and token under …/auth, and a
// few FHIR reads. As the real one does, it signs its id_token with iss = `${origin}${authMount}/fhir`
// (…/v/r4/auth/fhir), not its discovery's issuer (…/v/r4/fhir); launch values are its base64url JSON arrays.
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

export interface LauncherEmuOptions {
  /** What the token response's expires_in is (default 3600); `null` leaves it out. */
  expiresIn?: number | string | null;
  /** Overrides the id_token's iss (default: the launcher's own `${origin}${authMount}/fhir`). */
  idTokenIss?: (launcher: { origin: string; prefix: string; authMount: string }) => string;
}

export interface LauncherEmu {
  origin: string;
  /** The FHIR base (the iss of an EHR launch): `${origin}/v/r4/fhir`. */
  fhirBase: string;
  /** A launch value as the launcher encodes it (patient, provider, simulated error). */
  launchValue(patient: string, options?: { provider?: string; authError?: string }): string;
  idTokenIssuers: string[];
  close(): Promise<void>;
}

export async function startLauncherEmu(options: LauncherEmuOptions = {}): Promise<LauncherEmu> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), alg: 'RS256', kid: 'k1', use: 'sig' };
  const codes = new Map<string, Record<string, unknown>>();
  const tokens = new Map<string, string>();
  const idTokenIssuers: string[] = [];
  let origin = '';
  const send = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      void (async () => {
        const url = new URL(req.url ?? '/', origin);
        if (url.pathname === '/keys') return send(res, 200, { keys: [jwk] });
        const m = /^\/v\/(r4)(?:\/sim\/([^/]+))?\/(fhir|auth)(\/.*)?$/.exec(url.pathname);
        if (!m) return send(res, 404, { error: 'not found' });
        const [, rel, sim, kind, rest = ''] = m;
        const prefix = `${origin}/v/${rel}${sim ? `/sim/${sim}` : ''}`;
        const authMount = `/v/${rel}${sim ? `/sim/${sim}` : ''}/auth`;
        if (kind === 'fhir' && rest === '/.well-known/smart-configuration') {
          return send(res, 200, {
            issuer: `${prefix}/fhir`,
            jwks_uri: `${origin}/keys`,
            authorization_endpoint: `${prefix}/auth/authorize`,
            token_endpoint: `${prefix}/auth/token`,
            code_challenge_methods_supported: ['S256'],
            capabilities: ['launch-ehr', 'client-public', 'sso-openid-connect', 'permission-v2'],
          });
        }
        if (kind === 'auth' && rest === '/authorize') {
          const p = Object.fromEntries(url.searchParams);
          const launch = JSON.parse(Buffer.from(p.launch ?? '', 'base64url').toString()) as string[];
          const code = randomUUID();
          const scope = new Set((p.scope ?? '').split(/\s+/));
          codes.set(code, {
            ...p,
            patient: launch[1],
            user: scope.has('openid') && launch[2] ? `Practitioner/${launch[2]}` : undefined,
            authError: launch[11],
          });
          const back = new URL(p.redirect_uri!);
          back.searchParams.set('code', code);
          if (p.state) back.searchParams.set('state', p.state);
          res.writeHead(302, { location: back.href }).end();
          return;
        }
        if (kind === 'auth' && rest === '/token' && req.method === 'POST') {
          const f = Object.fromEntries(new URLSearchParams(body));
          const c = codes.get(f.code ?? '');
          if (!c) return send(res, 401, { error: 'invalid_client' });
          const challenge = createHash('sha256')
            .update(f.code_verifier ?? '')
            .digest('base64url');
          if (challenge !== c.code_challenge) return send(res, 401, { error: 'invalid_grant' });
          const access = randomUUID();
          tokens.set(
            access,
            c.authError === 'request_invalid_token'
              ? 'Invalid token'
              : c.authError === 'request_expired_token'
                ? 'Token expired'
                : '',
          );
          let idToken: string | undefined;
          if (typeof c.user === 'string') {
            const iss = options.idTokenIss?.({ origin, prefix, authMount }) ?? `${origin}${authMount}/fhir`;
            idTokenIssuers.push(iss);
            idToken = await new SignJWT({ profile: c.user, fhirUser: c.user })
              .setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'JWT' })
              .setAudience(String(c.client_id))
              .setSubject(createHash('sha256').update(c.user).digest('hex'))
              .setIssuer(iss)
              .setIssuedAt()
              .setExpirationTime('60 minutes')
              .sign(privateKey);
          }
          const expiresIn = options.expiresIn === undefined ? 3600 : options.expiresIn;
          return send(res, 200, {
            access_token: access,
            token_type: 'Bearer',
            ...(expiresIn === null ? {} : { expires_in: expiresIn }),
            scope: c.scope,
            id_token: idToken,
            patient: c.patient,
            need_patient_banner: true,
          });
        }
        if (kind === 'fhir') {
          const token = (req.headers.authorization ?? '').split(' ')[1] ?? '';
          const simError = tokens.get(token);
          if (simError === undefined) return send(res, 401, 'Invalid token: jwt malformed');
          if (simError) return send(res, 401, simError);
          let mm: RegExpExecArray | null;
          if ((mm = /^\/Patient\/([^/]+)$/.exec(rest)))
            return send(res, 200, {
              resourceType: 'Patient',
              id: mm[1],
              identifier: [{ system: 'http://hl7.org/fhir/sid/us-ssn', value: '999-72-6842' }],
              name: [{ use: 'official', family: 'Kuhlman484', given: ['Abraham100'] }],
              gender: 'male',
              birthDate: '1961-03-12',
            });
          if ((mm = /^\/Practitioner\/([^/]+)$/.exec(rest)))
            return send(res, 200, {
              resourceType: 'Practitioner',
              id: mm[1],
              name: [{ family: 'Quitzon246', given: ['Marla'] }],
            });
          if (rest === '/PractitionerRole')
            return send(res, 200, { resourceType: 'Bundle', type: 'searchset' });
          return send(res, 404, { resourceType: 'OperationOutcome' });
        }
        send(res, 404, {});
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    fhirBase: `${origin}/v/r4/fhir`,
    launchValue: (patient, o = {}) =>
      Buffer.from(
        JSON.stringify([
          0,
          patient,
          o.provider ?? 'smart-Practitioner-71482713',
          'AUTO',
          0,
          0,
          0,
          '',
          '',
          '',
          '',
          o.authError ?? '',
          '',
          '',
          0,
          1,
          '',
        ]),
      ).toString('base64url'),
    idTokenIssuers,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
