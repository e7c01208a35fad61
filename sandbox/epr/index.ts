// Placeholder until the sandbox EPR (SMART authorization server + EPR FHIR endpoint) lands.
import type { SandboxPatient } from '../patients/types';

export interface SandboxEprOptions {
  patients: SandboxPatient[];
  host?: string;
  port?: number;
}

export interface SandboxEpr {
  /** The EPR's FHIR base; also the SMART `iss`. */
  fhirBase: string;
  /** Allow SMART Backend Services tokens to be issued for this audience (a regional FHIR base). */
  allowAudience(audience: string): void;
  /** True when the bearer token was issued by this server for exactly this audience and is unexpired. */
  verifyAccessToken(token: string, audience: string): Promise<boolean>;
  close(): Promise<void>;
}

export async function startSandboxEpr(_options: SandboxEprOptions): Promise<SandboxEpr> {
  throw new Error('sandbox EPR not implemented yet');
}
