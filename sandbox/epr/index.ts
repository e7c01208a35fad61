// The sandbox EPR: a SMART on FHIR authorization server plus the EPR's FHIR endpoint, on 127.0.0.1.
//   {origin}/fhir                 FHIR base = SMART iss (Patient, Practitioner, PractitionerRole)
//   {origin}/fhir/.well-known/smart-configuration
//   {origin}/auth/authorize|token|revoke|jwks
//   {origin}/launcher?patient=<key|id>&user=<gp|paramedic|nurse|admin>   → { launchUri } (test EHR launcher)
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWK } from 'jose';
import type { Patient } from '../../common/fhir';
import {
  defaultBehaviour,
  SandboxAuthorizationServer,
  type SandboxAuthBehaviour,
} from '../auth/authorization-server';
import { generateBackendClient, type BackendClientKeyPair } from '../auth/backend-clients';
import { createSigningKey } from '../auth/signing-key';
import type { SandboxPatient } from '../patients/types';
import { handleFhirRequest } from './fhir-endpoint';
import { readBody, sendJson, type RequestLogEntry } from './http';
import { findSandboxUser, SANDBOX_USERS, type SandboxUserKey } from './users';

export type { SandboxAuthBehaviour } from '../auth/authorization-server';
export type { RequestLogEntry } from './http';
export { SANDBOX_USERS, SANDBOX_ROLE_SYSTEM, type SandboxUser, type SandboxUserKey } from './users';

/** The app's SMART client id (public client) as the sandbox registers it. */
export const SANDBOX_SMART_CLIENT_ID = 'wessex-care-record';
/** The app's SMART Backend Services client id at the sandbox. */
export const SANDBOX_BACKEND_CLIENT_ID = 'wessex-care-record-backend';
export const LAUNCH_URI_PREFIX = 'uk.nhs.wessexcarerecords://launch';

export interface SandboxEprOptions {
  patients: SandboxPatient[];
  host?: string;
  port?: number;
  /** Misbehaviour for negative tests (merged over the defaults). */
  behaviour?: Partial<SandboxAuthBehaviour>;
  /** Clock (ms) for token issue/expiry, so tests can expire tokens without waiting. */
  now?: () => number;
  /** Extra public SMART client ids to accept (policy may configure a different one). */
  smartClientIds?: string[];
}

export interface EhrLaunchRequest {
  patientKey?: string;
  patientId?: string;
  /** Sandbox user key (gp, paramedic, nurse, admin) or Practitioner/PractitionerRole id; default gp. */
  userId?: string;
  encounterId?: string;
  /** Grant exactly these scopes (a partial grant) instead of everything requested. */
  scopesGranted?: string[];
}

export interface SandboxEpr {
  /** The EPR's FHIR base; also the SMART `iss`. */
  fhirBase: string;
  /** Allow SMART Backend Services tokens to be issued for this audience (a regional FHIR base). */
  allowAudience(audience: string): void;
  /** True when the bearer token was issued by this server for exactly this audience and is unexpired. */
  verifyAccessToken(token: string, audience: string): Promise<boolean>;
  close(): Promise<void>;
  /** Token endpoint (for Backend Services clients configured without discovery). */
  tokenEndpoint: string;
  /** `uk.nhs.wessexcarerecords://launch?iss=…&launch=…` with patient and user in context. */
  createEhrLaunch(request: EhrLaunchRequest): string;
  /** Live misbehaviour switches. */
  behaviour: SandboxAuthBehaviour;
  /** Every HTTP request received, in order (method, path, origin; no query strings or token values). */
  requestLog: RequestLogEntry[];
  /** The app's Backend Services client, registered here; the private key is for the in-process composition only. */
  backendClient: BackendClientKeyPair;
  registerBackendClient(clientId: string, publicJwk: JWK): void;
  revokeAllRefreshTokens(): void;
  /** Tokens presented at the RFC 7009 revocation endpoint, in order. */
  revocations: readonly { token: string; hint: string | null }[];
}

export async function startSandboxEpr(options: SandboxEprOptions): Promise<SandboxEpr> {
  const host = options.host ?? '127.0.0.1';
  const nowMs = options.now ?? Date.now;
  const behaviour: SandboxAuthBehaviour = { ...defaultBehaviour(), ...options.behaviour };
  const patients = (): Patient[] => options.patients.map((p) => p.epr);
  const findPatientId = (keyOrId: string): string | undefined =>
    options.patients.find((p) => p.key === keyOrId || p.epr.id === keyOrId)?.epr.id;

  const requestLog: RequestLogEntry[] = [];
  const handle = async (
    auth: SandboxAuthorizationServer,
    fhirBase: string,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> => {
    const url = new URL(req.url ?? '/', `http://${host}`);
    requestLog.push({
      method: req.method ?? 'GET',
      path: url.pathname,
      origin: req.headers.origin ?? null,
      authorization: req.headers.authorization !== undefined,
    });
    const path = url.pathname;
    if (path === '/fhir/.well-known/smart-configuration')
      return sendJson(res, 200, auth.smartConfiguration());
    if (path === '/auth/jwks') return sendJson(res, 200, auth.jwks());
    if (path === '/auth/authorize' && (req.method === 'GET' || req.method === 'POST')) {
      // GET: the authorization request; POST: its sign-in page's form, sent by a click.
      const outcome =
        req.method === 'GET'
          ? auth.authorize(url.searchParams)
          : auth.completeLogin(new URLSearchParams(await readBody(req)));
      if (outcome.kind === 'redirect') {
        res.writeHead(302, { location: outcome.location, 'cache-control': 'no-store' });
        res.end();
      } else {
        res.writeHead(outcome.status, {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
          'content-security-policy': "default-src 'none'",
        });
        res.end(outcome.html);
      }
      return;
    }
    if (path === '/auth/revoke' && req.method === 'POST') {
      const outcome = auth.revoke(new URLSearchParams(await readBody(req)));
      return sendJson(res, outcome.status, outcome.body);
    }
    if (path === '/auth/token' && req.method === 'POST') {
      const outcome = await auth.token(new URLSearchParams(await readBody(req)));
      return sendJson(res, outcome.status, outcome.body);
    }
    if (path === '/launcher' && req.method === 'GET') {
      try {
        const launchUri = epr.createEhrLaunch({
          patientKey: url.searchParams.get('patient') ?? undefined,
          userId: url.searchParams.get('user') ?? undefined,
        });
        return sendJson(res, 200, { launchUri });
      } catch (error) {
        return sendJson(res, 400, { error: error instanceof Error ? error.message : 'bad launch' });
      }
    }
    if (path === '/fhir/metadata') {
      return sendJson(
        res,
        200,
        {
          resourceType: 'CapabilityStatement',
          status: 'active',
          kind: 'instance',
          fhirVersion: '4.0.1',
          format: ['json'],
        },
        'application/fhir+json',
      );
    }
    if (path.startsWith('/fhir/')) {
      const fhirPath = path.slice('/fhir/'.length);
      return handleFhirRequest(req, res, url, fhirBase, fhirPath, { patients }, async (t) =>
        auth.verifyAccessToken(t, fhirBase),
      );
    }
    sendJson(res, 404, { error: 'not_found' });
  };

  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://${host}:${port}`;
  const fhirBase = `${origin}/fhir`;

  const signingKey = await createSigningKey();
  const auth = new SandboxAuthorizationServer({
    issuer: fhirBase,
    authBase: `${origin}/auth`,
    signingKey,
    nowMs,
    behaviour,
    publicClientIds: [SANDBOX_SMART_CLIENT_ID, ...(options.smartClientIds ?? [])],
    resolveStandalonePatient: (requested) =>
      requested ? findPatientId(requested) : options.patients[0]?.epr.id,
  });
  const backendClient = await generateBackendClient(SANDBOX_BACKEND_CLIENT_ID);
  auth.registerBackendClient(backendClient.clientId, backendClient.publicJwk);
  const authServer = auth;
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(auth, fhirBase, req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, { error: 'server_error' });
      else res.end();
    });
  });

  const epr: SandboxEpr = {
    fhirBase,
    tokenEndpoint: authServer.tokenEndpoint,
    behaviour,
    requestLog,
    backendClient,
    allowAudience: (audience) => authServer.allowAudience(audience),
    verifyAccessToken: async (token, audience) =>
      (await authServer.verifyAccessToken(token, audience)) !== undefined,
    registerBackendClient: (clientId, jwk) => authServer.registerBackendClient(clientId, jwk),
    revokeAllRefreshTokens: () => authServer.revokeAllRefreshTokens(),
    revocations: authServer.revocations,
    createEhrLaunch(request) {
      const patientId =
        request.patientId ?? (request.patientKey ? findPatientId(request.patientKey) : undefined);
      if (!patientId || !options.patients.some((p) => p.epr.id === patientId)) {
        throw new Error('Unknown sandbox patient for the EHR launch');
      }
      const user = findSandboxUser(request.userId ?? ('gp' satisfies SandboxUserKey));
      if (!user)
        throw new Error(`Unknown sandbox user; use one of ${SANDBOX_USERS.map((u) => u.key).join(', ')}`);
      const launch = authServer.createLaunch({
        patientId,
        userKey: user.key,
        encounterId: request.encounterId,
        scopesGranted: request.scopesGranted,
      });
      const uri = new URL(LAUNCH_URI_PREFIX);
      uri.searchParams.set('iss', fhirBase);
      uri.searchParams.set('launch', launch);
      return uri.toString();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
  return epr;
}
