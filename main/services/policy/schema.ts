// Machine policy set by IT (registry / policy.json). The schema is the single source of truth:
// validation, the "configuration problem" screen, `doctor` and the ADMX templates all derive from it.
import { z } from 'zod';

const httpUrl = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL');

export const backendServicesAuthSchema = z.object({
  type: z.literal('backend-services'),
  /** Token endpoint; discovered from {fhirBase}/.well-known/smart-configuration when absent. */
  tokenUrl: httpUrl.optional(),
  clientId: z.string().min(1),
  /** Keystore reference (service/account) of the private key used for private_key_jwt. */
  keyReference: z.string().min(1),
  scope: z.string().default('system/*.rs'),
});

export const regionalSourceSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]{1,32}$/, 'lowercase letters, digits and dashes'),
  name: z.string().min(1).max(64),
  fhirBase: httpUrl,
  auth: z.discriminatedUnion('type', [z.object({ type: z.literal('none') }), backendServicesAuthSchema]),
});

export const roleAccessSchema = z.enum(['everything', 'urgent-care-and-documents', 'demographics-only']);

export const machinePolicySchema = z.object({
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
  /** Role code (PractitionerRole.code or RBAC role) → what that role may see. */
  roleMapping: z.record(z.string(), roleAccessSchema).default({
    paramedic: 'urgent-care-and-documents',
    'general-practitioner': 'everything',
    nurse: 'everything',
    'admin-staff': 'demographics-only',
  }),
  /** Path of a JSON file with the sensitive SNOMED CT value sets; built-in defaults when absent. */
  sensitiveCodeListPath: z.string().optional(),
  /** Break-glass may override patient dissent only where IT allows it. */
  breakGlassOverridesDissent: z.boolean().default(false),
  /** The built-in sandbox; allowed by default only when nothing else is configured. */
  sandboxAllowed: z.boolean().optional(),
});

export type MachinePolicy = z.output<typeof machinePolicySchema>;
export type RegionalSource = z.output<typeof regionalSourceSchema>;
export type RoleAccess = z.output<typeof roleAccessSchema>;
