// `wessex launch "<launch URI>" [--headless]`: the app's SMART launch code path, headless. With --headless
// the CLI plays the system browser against an auto-approving authorization server (EPR test launchers, the
// public SMART launcher); without it, it prints the sign-in URL and waits for the fixed loopback redirect.
// Patient details go to stdout only, because the user asked for them.
import type { Command } from 'commander';
import { formatNhsNumber } from '../../../common/nhs-number';
import { terminalText as t } from '../../../common/text-safety';
import { createKeytarSecretStore } from '../../services/keystore/secret-store';
import {
  launchHeadless,
  LOOPBACK_REDIRECT_URI,
  parseLaunchUri,
  SmartLaunchService,
  type LaunchResult,
  type SmartLaunchOptions,
} from '../../services/launch';
import { waitForLoopbackRedirect } from '../../services/launch/loopback-redirect';
import { auditUploadOptions, createAuditService } from '../../services/audit';
import { userTokens } from '../../services/auth/user-tokens';
import { createSecretStoreKeyVault } from '../../services/cache/key-vault';
import { auditUserOf } from '../../services/composition/clinical-session';
import { auditDatabasePath, resolveDataDir } from '../../services/paths';
import type { EffectivePolicy } from '../../services/policy';
import { loadPolicyOrExplain } from '../policy-or-explain';

export function describeLaunch(result: LaunchResult): Record<string, unknown> {
  const nhs = result.patient?.nhs;
  return {
    launch: result.kind,
    iss: result.iss,
    user: result.user,
    patient: result.patient && {
      id: result.patient.id,
      name: result.patient.name,
      birthDate: result.patient.birthDate,
      nhsNumber: nhs?.nhsNumber,
      verification: nhs?.verification,
      verificationDisplay: nhs?.verificationDisplay,
      safeToQueryOtherServers: nhs?.safeToQueryOtherServers,
      warning: nhs?.warning,
    },
    encounter: result.encounterId,
    needPatientBanner: result.needPatientBanner,
    grantedScopes: result.grantedScopes,
    ungrantedScopes: result.ungrantedScopes,
  };
}

export function formatLaunch(result: LaunchResult): string[] {
  const { user, patient } = result;
  const lines = [
    `Signed in (${result.kind === 'ehr' ? 'EHR launch' : 'standalone launch'}) at ${t(result.iss)}`,
    `  User:     ${t(user.display)} — ${t(user.roleDisplay ?? user.roleCode)} [${t(user.roleCode)}]` +
      (user.organisation ? `, ${t(user.organisation)}` : ''),
  ];
  if (patient) {
    const nhs = patient.nhs;
    lines.push(
      `  Patient:  ${t(patient.name)}${patient.birthDate ? `, born ${t(patient.birthDate)}` : ''}`,
      `  NHS no.:  ${nhs.nhsNumber ? t(formatNhsNumber(nhs.nhsNumber)) : 'none'} — ${t(nhs.verification)}` +
        (nhs.verificationDisplay ? ` (${t(nhs.verificationDisplay)})` : ''),
    );
    if (nhs.warning) lines.push(`  WARNING:  ${t(nhs.warning)}`);
  }
  if (result.encounterId) lines.push(`  Encounter: ${t(result.encounterId)}`);
  lines.push(
    `  Granted scopes:     ${t(result.grantedScopes.join(' ')) || 'none'}`,
    `  Not granted:        ${t(result.ungrantedScopes.join(' ')) || 'none'}`,
  );
  return lines;
}

export interface LaunchFlags {
  headless?: boolean;
  json?: boolean;
  dataDir?: string;
}

/** What the launch read is audited as, like the app's sign-in and the EPR patient it was given. */
async function auditLaunch(result: LaunchResult, policy: EffectivePolicy, dataDir: string): Promise<void> {
  const secretStore = createKeytarSecretStore();
  const dbPath = auditDatabasePath(dataDir);
  const audit = await createAuditService({
    keyVault: createSecretStoreKeyVault(secretStore),
    dbPath,
    // Uploaded as the clinician who just signed in (their id_token, exchanged for the audit endpoint).
    ...auditUploadOptions(
      policy,
      secretStore,
      dbPath,
      userTokens(policy, { subjectToken: () => result.session.idToken() }),
    ),
  });
  try {
    audit.trail.setUser(auditUserOf(result.user));
    audit.trail.record({ kind: 'sign-in' });
    const nhsNumber = result.patient?.nhs.nhsNumber;
    if (nhsNumber) audit.trail.record({ kind: 'patient-read', nhsNumber, server: result.iss });
    audit.trail.record({ kind: 'sign-out' });
    await audit.uploader?.flush().catch(() => undefined);
  } finally {
    await audit.close();
  }
}

/** The launch itself; `trustedIssuers` are allowed besides the policy's (a development sandbox's EPR). */
export async function runLaunch(
  launchUri: string | undefined,
  flags: LaunchFlags,
  trustedIssuers: string[] = [],
): Promise<void> {
  const policy = await loadPolicyOrExplain();
  if (!launchUri) throw new Error('Give a launch URI (uk.nhs.wessexcarerecords://launch?iss=…&launch=…).');
  const request = parseLaunchUri(launchUri);
  const options: Omit<SmartLaunchOptions, 'openExternal'> = {
    allowedIssuers: policy.allowedIssuers,
    sandboxIssuers: policy.sandboxAllowed === false ? [] : trustedIssuers,
    standaloneIssuer: policy.standaloneIssuer,
    clientId: policy.smartClientId,
    secretStore: createKeytarSecretStore(),
  };
  let result: LaunchResult;
  if (flags.headless) {
    result = await launchHeadless(options, (service) => service.beginEhrLaunch(request));
  } else {
    const service = new SmartLaunchService({
      ...options,
      redirectUri: LOOPBACK_REDIRECT_URI,
      openExternal: async (url) => {
        console.log(`Open this address in your browser to sign in:\n  ${url}`);
      },
    });
    // Only this launch's callback ends the wait; another page's GET /callback is answered 400.
    const waiting = waitForLoopbackRedirect((state) => service.awaits(state));
    try {
      await service.beginEhrLaunch(request);
    } catch (error) {
      waiting.cancel();
      throw error;
    }
    result = await service.completeAuthorization(await waiting.callback);
  }
  try {
    // Audited before anything about the patient is shown.
    await auditLaunch(result, policy, resolveDataDir(flags.dataDir));
    if (flags.json) console.log(JSON.stringify(describeLaunch(result), null, 2));
    else for (const line of formatLaunch(result)) console.log(line);
  } finally {
    await result.session.end();
  }
}

export function registerLaunchCommand(program: Command): Command {
  return program
    .command('launch')
    .argument('[launchUri]', 'uk.nhs.wessexcarerecords://launch?iss=…&launch=… as the EPR sends it')
    .description(
      'Perform a SMART on FHIR EHR launch exactly as the app does, and print user, patient and scopes',
    )
    .option(
      '--headless',
      'follow the authorization redirects without a browser (auto-approving servers only)',
    )
    .option('--json', 'print the result as JSON')
    .option('--data-dir <dir>', 'where the audit log lives (default: this user’s; env WESSEX_DATA_DIR)')
    .action((launchUri: string | undefined, flags: LaunchFlags) => runLaunch(launchUri, flags));
}
