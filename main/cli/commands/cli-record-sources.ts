// The record sources the fetch and prefetch commands read, authorised as the app is: the machine policy's
// sources (tokens by SMART Backend Services, key from the OS keystore) or, when none are configured or
// --sandbox is given, the built-in sandbox started normally (its regional servers require tokens).
import { startSandbox, type RunningSandbox } from '../../../sandbox';
import type { NhsNumberVerification } from '../../../common/record';
import { resolveRecordSources, type RecordSources } from '../../services/composition/record-sources';
import type { SecretStore } from '../../services/keystore/secret-store';
import type { EffectivePolicy } from '../../services/policy';
import type { RecordIdentity } from '../../services/record';

export interface CliRecordSources extends RecordSources {
  origin: 'built-in sandbox' | 'machine policy';
  sandbox?: RunningSandbox;
  /** What is known about a patient beyond the NHS number (the sandbox EPR's demographics and verification). */
  identity(nhsNumber: string): Partial<Omit<RecordIdentity, 'nhsNumber'>>;
  close(): Promise<void>;
}

export interface CliRecordSourceOptions {
  /** Use the built-in sandbox even when the policy configures sources. */
  sandbox?: boolean;
  latencyMs?: number;
  secretStore?: SecretStore;
}

const VERIFICATION_BY_CODE: Record<string, NhsNumberVerification> = { '01': 'verified', '04': 'not-traced' };

export async function openCliRecordSources(
  policy: EffectivePolicy,
  options: CliRecordSourceOptions = {},
): Promise<CliRecordSources> {
  if (!options.sandbox && policy.sources.length > 0) {
    return {
      origin: 'machine policy',
      ...resolveRecordSources(policy, options.secretStore ? { secretStore: options.secretStore } : {}),
      identity: () => ({}),
      close: async () => undefined,
    };
  }
  if (!options.sandbox && !policy.sandboxAllowed) {
    throw new Error(
      'The machine policy configures no record sources and does not allow the built-in sandbox; nothing was fetched.',
    );
  }
  const sandbox = await startSandbox({ latencyMs: options.latencyMs ?? 0 });
  return {
    origin: 'built-in sandbox',
    sandbox,
    ...resolveRecordSources(policy, { sandbox }),
    identity: (nhs) => {
      const patient = sandbox.patients.find((p) => p.nhsNumber === nhs);
      if (!patient) return {};
      const verification = patient.nhsVerification
        ? (VERIFICATION_BY_CODE[patient.nhsVerification] ?? 'unverified')
        : undefined;
      // As a launch would: only a verified number is used to search other organisations' records.
      return {
        eprPatient: patient.epr,
        mayQueryRegionalSources: verification === 'verified',
        ...(verification ? { verification } : {}),
      };
    },
    close: () => sandbox.close(),
  };
}
