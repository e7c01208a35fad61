// All synthetic sandbox patients, generated deterministically (same options → same patients).
import { crossBorderPatient } from './cross-border';
import { deceasedPatient } from './deceased';
import { dissentPatient } from './dissent';
import { sharedFixturesDir } from './fixtures-dir';
import { frailPatient } from './frail';
import { labHistoryPatient } from './lab-history';
import { largePatient } from './large';
import { longHistoryPatient } from './long-history';
import { mixedIdentityPatient } from './mixed-identity';
import { notTracedPatient } from './not-traced';
import { sensitivePatient } from './sensitive';
import { loadSyntheaPatients } from './synthea';
import type { SandboxPatient } from './types';

export type { SandboxPatient } from './types';

export interface GenerateOptions {
  /** The ≥ 20,000-resource benchmark patient (slow to serve; off unless asked). */
  includeLargePatient?: boolean;
  /** Folder holding synthea/ (default: ../shared/fixtures from the repository root). */
  fixturesDir?: string;
}

export interface GeneratedPatients {
  patients: SandboxPatient[];
  /** Things that were skipped, in plain words (e.g. fixtures missing). */
  notes: string[];
}

export function generateSandboxPatients(options: GenerateOptions = {}): GeneratedPatients {
  const taken = new Set<string>();
  const patients = [
    crossBorderPatient(taken),
    frailPatient(taken),
    dissentPatient(taken),
    sensitivePatient(taken),
    notTracedPatient(taken),
    mixedIdentityPatient(taken),
    deceasedPatient(taken),
    labHistoryPatient(taken),
  ];
  const synthea = loadSyntheaPatients(options.fixturesDir ?? sharedFixturesDir(), taken);
  patients.push(...synthea.patients);
  // After the fixtures, so their NHS numbers stay as they were before this patient was added.
  patients.push(longHistoryPatient(taken));
  if (options.includeLargePatient) patients.push(largePatient(taken));
  return { patients, notes: synthea.notes };
}
