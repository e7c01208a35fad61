// Finding a patient by name and date of birth, for a clinician without the NHS number: every configured
// regional source's Patient endpoint and, when the clinician's sign-in allows searching it, the EPR's. The
// search is audited as a PatientQuery before any directory is asked, for the app and the CLI alike. Opening a
// match is then an ordinary `record:open` by its NHS number.
import type { AuditTrail } from '../audit';
import type { TokenProvider } from '../auth/token-provider';
import type { BridgeHandlers } from '../bridge/dispatch';
import type { ClinicalSession } from '../composition/clinical-session';
import {
  regionalDirectories,
  searchDirectories,
  searchPath,
  type Directory,
  type SkippedDirectory,
} from '../composition/patient-directory';
import { canRead } from '../launch';
import type { EngineSource } from '../record';
import type { SessionFeature } from './session';

export type PatientSearchHandlers = Pick<BridgeHandlers, 'patient:search'>;

const EPR = { id: 'epr', name: 'Your clinical system (EPR)' };

/** The EPR as a directory when the clinician's sign-in may search its patients (a user-level read scope). */
function eprDirectory(session: ClinicalSession): { directory?: Directory; skipped?: SkippedDirectory } {
  const smart = session.origin.smart;
  if (!smart) return {};
  const userScopes = session.origin.grantedScopes.filter((s) => s.startsWith('user/'));
  if (!canRead(userScopes, 'Patient')) {
    return {
      skipped: {
        ...EPR,
        reason: 'your sign-in from it covers only the patient it opened',
      },
    };
  }
  return {
    directory: {
      ...EPR,
      fhirBase: smart.iss,
      token: { get: () => smart.getAccessToken(), refresh: () => smart.refresh() },
    },
  };
}

export function patientSearchHandlers(deps: {
  sessions: SessionFeature;
  sources: readonly EngineSource[];
  tokens: TokenProvider;
  audit: AuditTrail;
}): PatientSearchHandlers {
  return {
    'patient:search': async ({ family, given, birthDate, postcode }) => {
      const query = { family, birthDate, ...(given ? { given } : {}), ...(postcode ? { postcode } : {}) };
      const epr = eprDirectory(deps.sessions.current());
      const directories = [
        ...regionalDirectories(deps.sources, deps.tokens),
        ...(epr.directory ? [epr.directory] : []),
      ];
      deps.audit.record({
        kind: 'patient-query',
        query: searchPath(query),
        server: directories.map((d) => d.fhirBase).join(' ') || 'none configured',
      });
      return searchDirectories({ query, directories, ...(epr.skipped ? { skipped: [epr.skipped] } : {}) });
    },
  };
}
