// What each policy key looks like outside the schema: its registry value type and the words IT reads in the
// Group Policy editor. Derived from the zod schema, so the registry decoder and the ADMX templates agree.
import type { z } from 'zod';
import { isPolicyPath, machinePolicySchema, type MachinePolicy } from './schema';

/** The registry key IT writes under HKLM (machine) or HKCU (user). */
export const POLICY_REGISTRY_KEY = 'Software\\Policies\\WessexCareRecords\\Viewer';

/**
 * How a key is stored in the registry:
 * boolean → REG_DWORD 0/1; number → REG_DWORD; string → REG_SZ (REG_EXPAND_SZ allowed);
 * path → REG_EXPAND_SZ (%ProgramData% and the like expanded; a plain REG_SZ path is taken as written);
 * string-list → REG_MULTI_SZ; json → REG_SZ holding JSON (structured keys such as sources).
 */
export type PolicyValueKind = 'boolean' | 'number' | 'string' | 'path' | 'string-list' | 'json';

export type PolicyKey = keyof MachinePolicy;

export interface PolicyKeyInfo {
  key: PolicyKey;
  kind: PolicyValueKind;
  title: string;
  explain: string;
  min?: number;
  max?: number;
}

const docs: Record<PolicyKey, { title: string; explain: string }> = {
  allowedIssuers: {
    title: 'Allowed EPR issuers (SMART iss)',
    explain:
      'The EPR authorisation servers allowed to launch the viewer, one https URL per line. A launch from any other issuer is refused.',
  },
  smartClientId: {
    title: 'SMART client id',
    explain: 'The client id the viewer is registered with at the EPRs. Default: wessex-care-record.',
  },
  standaloneIssuer: {
    title: 'Standalone sign-in server',
    explain:
      'The SMART authorisation server used when a clinician signs in directly (not launched by an EPR).',
  },
  sources: {
    title: 'Regional record sources',
    explain:
      'JSON array of the regional FHIR sources, e.g. [{"id":"dcr","name":"Dorset Care Record","fhirBase":"https://…/fhir","auth":{"type":"token-exchange","issuer":"https://…","clientId":"wessex-viewer"}}]. The signed-in clinician’s sign-in is exchanged at the regional authorisation server (issuer) for a short-lived token per source; no key is kept on this computer.',
  },
  recordLocator: {
    title: 'Record locator',
    explain:
      'JSON object describing the record locator (ReSPECT, end-of-life and crisis plan pointers), same shape as one regional source.',
  },
  auditEndpoint: {
    title: 'Audit endpoint',
    explain: 'The https URL the viewer sends its access audit events (IHE BALP AuditEvent) to.',
  },
  retentionHours: {
    title: 'Offline record retention (hours)',
    explain: 'How long a fetched record stays in the encrypted offline store. Default 72.',
  },
  pinnedRetentionHours: {
    title: 'Pinned caseload retention (hours)',
    explain: 'How long records pinned to a caseload stay in the encrypted offline store. Default 168.',
  },
  inactivityLockMinutes: {
    title: 'Inactivity lock (minutes)',
    explain:
      'Minutes without input after which the viewer hides the record and asks the user to unlock. Default 15.',
  },
  urgentCareDeadlineSeconds: {
    title: 'Urgent-care deadline (seconds)',
    explain:
      'Seconds after which the urgent-care view shows what the sources have sent so far, naming any source still loading (it keeps loading). Default 8.',
  },
  caseloadPollSeconds: {
    title: 'Caseload alerts: polling interval (seconds)',
    explain:
      'How often the caseload watch checks a regional source that offers no subscriptions for admissions, discharges, ED attendances, letters and deaths. Default 60.',
  },
  offlineDocumentBudgetMb: {
    title: 'Offline documents per record (MB)',
    explain:
      'The most space the documents kept offline with one record may take (ReSPECT and other advance care plans first, then the latest discharge letter). Default 25.',
  },
  roleMapping: {
    title: 'Role mapping',
    explain:
      'JSON object mapping a role code to what that role may see: "everything", "urgent-care-and-documents" or "demographics-only".',
  },
  sensitiveCodeListPath: {
    title: 'Sensitive code list file',
    explain:
      'Path of a JSON file with the sensitive SNOMED CT value sets. The built-in list is used when not set.',
  },
  offlineAccessRoles: {
    title: 'Roles whose sign-in may be renewed unattended (offline access)',
    explain:
      'Role codes (from the role mapping), one per line, whose sign-in may be renewed without them: the viewer asks the sign-in server for offline_access and keeps a refresh token in the Windows credential store until sign-out or close. Not configured: no role; every sign-in ends when its access token does, and the user signs in again. For a launch from the EPR the role is only known afterwards, so offline access is asked for only when every mapped role is listed.',
  },
  breakGlassOverridesDissent: {
    title: 'Break-glass overrides patient dissent',
    explain:
      'When enabled, a break-glass access may show a record whose patient has dissented. Default: disabled.',
  },
  commandLineRoles: {
    title: 'Roles the command line may act as',
    explain:
      'Role codes (from the role mapping) a support engineer may declare with --role when using the viewer from the command line ("Wessex Care Record.exe" --cli), one per line. Every command is audited as the Windows account with that role. Not configured: no command-line access to records.',
  },
  handoverExport: {
    title: 'Where handover PDFs go',
    explain:
      '"ask" (default): a save dialog each time, starting in the handover folder when one is set. "folder": written to the handover folder. "encrypted-store": kept only in the encrypted offline store and opened from there. Every PDF written to a file is tracked and removed with the record (retention, "delete all offline records", the command line purge).',
  },
  handoverExportFolder: {
    title: 'Handover PDF folder',
    explain:
      'Full path of the folder handover PDFs are written to ("folder") or where the save dialog starts ("ask"). Choose a folder that is not synchronised to cloud storage.',
  },
  notificationDetail: {
    title: 'Caseload notification detail',
    explain:
      '"initials" (default): a desktop notification of a caseload update gives the patient\'s initials and what happened ("J.S. admitted to Dorset County Hospital"). "count": only how many updates ("2 caseload updates"). "none": only "Caseload update". A patient\'s full name is never shown, and while the viewer is locked only the count is.',
  },
  sandboxAllowed: {
    title: 'Allow the built-in sandbox',
    explain:
      'Allows the built-in sandbox with synthetic patients. When not configured it is allowed only on a machine with no policy at all.',
  },
};

/** Strips optional/default wrappers to reach the value's own schema. */
function innerSchema(schema: z.ZodType): z.ZodType {
  let current = schema as z.ZodType & { def: { type: string; innerType?: z.ZodType } };
  while (current.def.innerType) current = current.def.innerType as typeof current;
  return current;
}

function kindOf(schema: z.ZodType): PolicyValueKind {
  const inner = innerSchema(schema) as z.ZodType & { def: { type: string; element?: z.ZodType } };
  switch (inner.def.type) {
    case 'boolean':
      return 'boolean';
    case 'number':
      return 'number';
    case 'string':
      return isPolicyPath(inner) ? 'path' : 'string';
    case 'enum':
      return 'string';
    case 'array':
      return inner.def.element && innerSchema(inner.def.element).def.type === 'string'
        ? 'string-list'
        : 'json';
    default:
      return 'json';
  }
}

function boundsOf(schema: z.ZodType): { min?: number; max?: number } {
  const inner = innerSchema(schema) as z.ZodType & { minValue?: number | null; maxValue?: number | null };
  const bounds: { min?: number; max?: number } = {};
  if (typeof inner.minValue === 'number' && Number.isFinite(inner.minValue)) bounds.min = inner.minValue;
  if (typeof inner.maxValue === 'number' && Number.isFinite(inner.maxValue)) bounds.max = inner.maxValue;
  return bounds;
}

export const policyKeys: readonly PolicyKeyInfo[] = (
  Object.entries(machinePolicySchema.shape) as [PolicyKey, z.ZodType][]
).map(([key, schema]) => ({ key, kind: kindOf(schema), ...docs[key], ...boundsOf(schema) }));

const byLowerName = new Map(policyKeys.map((info) => [info.key.toLowerCase(), info]));

/** Registry value names are case-insensitive on Windows. */
export function findPolicyKey(name: string): PolicyKeyInfo | undefined {
  return byLowerName.get(name.toLowerCase());
}
