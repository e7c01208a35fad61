// Machine policy set by IT (registry / policy.json). The schema is the single source of truth:
// validation, the "configuration problem" screen, `doctor` and the ADMX templates all derive from it.
import path from 'node:path';
import { z } from 'zod';
import { standaloneIssuerProblem } from '../launch/issuer-allow-list';

/** This computer: the only place plain http is acceptable (the built-in sandbox, a local test server). */
export const LOOPBACK_HOST = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** Where credentials and patient data may travel: https, or plain http to this computer only. */
export function isHttpsOrLoopback(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOST.test(url.hostname));
}

/**
 * A server the viewer talks to: https (http only on loopback), and no user name or password in the URL —
 * fetch would send them as Basic auth on every request; credentials belong in the keystore.
 */
const httpUrl = z
  .string()
  .url()
  .superRefine((value, ctx) => {
    if (!URL.canParse(value)) return; // .url() has said so
    const url = new URL(value);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      ctx.addIssue({ code: 'custom', message: 'must be an http(s) URL' });
    } else if (url.username || url.password) {
      ctx.addIssue({
        code: 'custom',
        message: 'must not contain a user name or password (credentials belong in the keystore)',
      });
    } else if (!isHttpsOrLoopback(url)) {
      ctx.addIssue({
        code: 'custom',
        message: 'must use https (plain http only for this computer, 127.0.0.1)',
      });
    }
  });

/**
 * A file or folder path IT sets: written REG_EXPAND_SZ by the Group Policy template, so IT can use
 * %ProgramData% and the like. Every policy value that is a path uses this schema.
 */
const policyPath = z.string().meta({ policyValue: 'path' });

export function isPolicyPath(schema: z.ZodType): boolean {
  return z.globalRegistry.get(schema)?.policyValue === 'path';
}

/**
 * The user's own access: their id_token (from the EPR launch or the standalone sign-in) exchanged (RFC 8693)
 * at the regional authorization server for a short-lived token per server. No private key on this computer.
 */
const tokenExchangeAuthSchema = z.object({
  type: z.literal('token-exchange'),
  /** The regional authorization server; its token endpoint comes from {issuer}/.well-known/openid-configuration. */
  issuer: httpUrl,
  /** The viewer's public client id at that server. */
  clientId: z.string().min(1).max(128),
});

const serverAuthSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }),
  tokenExchangeAuthSchema,
]);

export const regionalSourceSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]{1,32}$/, 'lowercase letters, digits and dashes'),
  name: z.string().min(1).max(64),
  fhirBase: httpUrl,
  auth: serverAuthSchema,
});

const roleAccessSchema = z.enum(['everything', 'urgent-care-and-documents', 'demographics-only']);

export const machinePolicySchema = z
  .object({
    /** EPR authorization servers (SMART `iss`) allowed to launch the viewer. */
    allowedIssuers: z.array(httpUrl).default([]),
    /** SMART client id registered with the EPRs. */
    smartClientId: z.string().min(1).default('wessex-care-record'),
    /** Standalone-launch authorization server (paramedics not in an EPR). */
    standaloneIssuer: httpUrl.optional(),
    sources: z.array(regionalSourceSchema).default([]),
    recordLocator: regionalSourceSchema.optional(),
    auditEndpoint: httpUrl.optional(),
    retentionHours: z
      .number()
      .int()
      .min(1)
      .max(24 * 31)
      .default(72),
    pinnedRetentionHours: z
      .number()
      .int()
      .min(1)
      .max(24 * 31)
      .default(168),
    inactivityLockMinutes: z.number().int().min(1).max(240).default(15),
    /** After this long the urgent-care view shows what has arrived, naming the sources still loading. */
    urgentCareDeadlineSeconds: z.number().int().min(1).max(120).default(8),
    /** How often a source without caseload subscriptions is checked for admissions, discharges and letters. */
    caseloadPollSeconds: z.number().int().min(10).max(3600).default(60),
    /** The most documents (ReSPECT, plans, the latest discharge letter) kept offline per record, in MB. */
    offlineDocumentBudgetMb: z.number().int().min(0).max(500).default(25),
    /** Role code (PractitionerRole.code or RBAC role) → what that role may see. */
    roleMapping: z.record(z.string(), roleAccessSchema).default({
      paramedic: 'urgent-care-and-documents',
      'general-practitioner': 'everything',
      nurse: 'everything',
      'admin-staff': 'demographics-only',
    }),
    /** Path of a JSON file with the sensitive SNOMED CT value sets; built-in defaults when absent. */
    sensitiveCodeListPath: policyPath.optional(),
    /**
     * Roles (roleMapping codes) whose sign-in may be renewed without them (offline_access: a refresh token in
     * the keystore). Default: none — a sign-in ends with its access token and the user signs in again.
     */
    offlineAccessRoles: z.array(z.string().min(1).max(64)).max(32).default([]),
    /** Break-glass may override patient dissent only where IT allows it. */
    breakGlassOverridesDissent: z.boolean().default(false),
    /** The built-in sandbox; allowed by default only when nothing else is configured. */
    sandboxAllowed: z.boolean().optional(),
    /**
     * Roles (roleMapping codes) the command line may act as: its user is the operating-system account with the
     * role they declare, so IT chooses which. Default: none on a configured machine, any where there is no
     * policy at all (a development checkout).
     */
    commandLineRoles: z.array(z.string().min(1).max(64)).max(32).optional(),
    /**
     * Where a handover PDF goes: `ask` (a save dialog, starting in handoverExportFolder when set), `folder`
     * (written to handoverExportFolder) or `encrypted-store` (kept only in the encrypted offline store).
     */
    handoverExport: z.enum(['ask', 'folder', 'encrypted-store']).default('ask'),
    handoverExportFolder: z
      .string()
      .min(1)
      .refine((folder) => path.isAbsolute(folder) || path.win32.isAbsolute(folder), {
        message: 'must be a full path (e.g. D:\\Handovers)',
      })
      .meta({ policyValue: 'path' })
      .optional(),
    /**
     * What an OS notification of a caseload update says: `initials` ("J.S. admitted to …"), `count` ("2 caseload
     * updates") or `none` ("Caseload update"). Never a full name; only the count while the session is locked.
     */
    notificationDetail: z.enum(['initials', 'count', 'none']).default('initials'),
  })
  .superRefine((policy, ctx) => {
    if (policy.handoverExport === 'folder' && !policy.handoverExportFolder) {
      ctx.addIssue({
        code: 'custom',
        path: ['handoverExportFolder'],
        message: 'is required when handoverExport is "folder" (the folder handover PDFs are written to)',
      });
    }
    // A record item's provenance is its source id: two sources under one id would overwrite each other.
    const seen = new Map<string, string>();
    const all = [
      ...(policy.sources ?? []).map((source, index) => ({ source, path: ['sources', index, 'id'] })),
      ...(policy.recordLocator ? [{ source: policy.recordLocator, path: ['recordLocator', 'id'] }] : []),
    ];
    for (const { source, path } of all) {
      const first = seen.get(source.id);
      if (first) {
        ctx.addIssue({
          code: 'custom',
          path,
          message: `"${source.id}" is already the id of ${first}; every source needs its own id`,
        });
      } else seen.set(source.id, source.name);
    }
    const standaloneProblem =
      policy.standaloneIssuer &&
      standaloneIssuerProblem(policy.standaloneIssuer, policy.allowedIssuers ?? []);
    if (standaloneProblem)
      ctx.addIssue({ code: 'custom', path: ['standaloneIssuer'], message: standaloneProblem });
  });

export type MachinePolicy = z.output<typeof machinePolicySchema>;
export type RegionalSource = z.output<typeof regionalSourceSchema>;
export type RoleAccess = z.output<typeof roleAccessSchema>;
