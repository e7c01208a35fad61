// `wessex launch "<launch URI>" [--headless]`: the app's SMART launch code path, headless. With --headless
// the CLI plays the system browser against an auto-approving authorization server (the sandbox, EPR test
// launchers); without it, it prints the sign-in URL and waits for the fixed loopback redirect.
// `wessex launch --sandbox` starts the built-in sandbox and launches the cross-border patient.
// Patient details go to stdout only, because the user asked for them.
import type { Command } from 'commander';
import { formatNhsNumber } from '../../../common/nhs-number';
import { startSandbox } from '../../../sandbox';
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
import { loadPolicyForThisMachine } from '../../services/policy';

interface LaunchFlags {
  headless?: boolean;
  sandbox?: boolean;
  sandboxIssuer?: string;
  user?: string;
  patient?: string;
  json?: boolean;
}

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
    `Signed in (${result.kind === 'ehr' ? 'EHR launch' : 'standalone launch'}) at ${result.iss}`,
    `  User:     ${user.display} — ${user.roleDisplay ?? user.roleCode} [${user.roleCode}]` +
      (user.organisation ? `, ${user.organisation}` : ''),
  ];
  if (patient) {
    const nhs = patient.nhs;
    lines.push(
      `  Patient:  ${patient.name}${patient.birthDate ? `, born ${patient.birthDate}` : ''}`,
      `  NHS no.:  ${nhs.nhsNumber ? formatNhsNumber(nhs.nhsNumber) : 'none'} — ${nhs.verification}` +
        (nhs.verificationDisplay ? ` (${nhs.verificationDisplay})` : ''),
    );
    if (nhs.warning) lines.push(`  WARNING:  ${nhs.warning}`);
  }
  if (result.encounterId) lines.push(`  Encounter: ${result.encounterId}`);
  lines.push(
    `  Granted scopes:     ${result.grantedScopes.join(' ') || 'none'}`,
    `  Not granted:        ${result.ungrantedScopes.join(' ') || 'none'}`,
  );
  return lines;
}

export function registerLaunchCommand(program: Command): void {
  program
    .command('launch')
    .argument('[launchUri]', 'uk.nhs.wessexcarerecords://launch?iss=…&launch=… as the EPR sends it')
    .description(
      'Perform a SMART on FHIR EHR launch exactly as the app does, and print user, patient and scopes',
    )
    .option(
      '--headless',
      'follow the authorization redirects without a browser (auto-approving servers only)',
    )
    .option(
      '--sandbox',
      'start the built-in sandbox and launch its cross-border patient (implies --headless)',
    )
    .option('--patient <key>', 'with --sandbox: the sandbox patient key', 'cross-border')
    .option('--user <key>', 'with --sandbox: gp, paramedic, nurse or admin', 'paramedic')
    .option('--sandbox-issuer <fhirBase>', 'trust this running sandbox EPR when policy lists no issuers')
    .option('--json', 'print the result as JSON')
    .action(async (launchUri: string | undefined, flags: LaunchFlags) => {
      const loaded = await loadPolicyForThisMachine();
      if (!loaded.ok) {
        throw new Error(
          `Machine policy has problems; run \`wessex doctor\`. (${loaded.problems.length} problem(s))`,
        );
      }
      const policy = loaded.policy;
      const sandbox = flags.sandbox ? await startSandbox({ requireAuth: true }) : undefined;
      try {
        let uri = launchUri;
        const sandboxIssuers: string[] = [];
        if (sandbox) {
          if (!sandbox.epr) throw new Error(`The sandbox EPR did not start: ${sandbox.notes.join('; ')}`);
          sandboxIssuers.push(sandbox.epr.fhirBase);
          uri ??= sandbox.epr.createEhrLaunch({ patientKey: flags.patient, userId: flags.user });
        }
        if (flags.sandboxIssuer) sandboxIssuers.push(flags.sandboxIssuer);
        if (!uri)
          throw new Error(
            'Give a launch URI (uk.nhs.wessexcarerecords://launch?iss=…&launch=…) or --sandbox.',
          );
        const request = parseLaunchUri(uri);
        const options: Omit<SmartLaunchOptions, 'openExternal'> = {
          allowedIssuers: policy.allowedIssuers,
          sandboxIssuers: policy.sandboxAllowed === false ? [] : sandboxIssuers,
          standaloneIssuer: policy.standaloneIssuer,
          clientId: policy.smartClientId,
          secretStore: createKeytarSecretStore(),
        };
        let result: LaunchResult;
        if (flags.headless || flags.sandbox) {
          result = await launchHeadless(options, (service) => service.beginEhrLaunch(request));
        } else {
          const waiting = waitForLoopbackRedirect();
          const service = new SmartLaunchService({
            ...options,
            redirectUri: LOOPBACK_REDIRECT_URI,
            openExternal: async (url) => {
              console.log(`Open this address in your browser to sign in:\n  ${url}`);
            },
          });
          try {
            await service.beginEhrLaunch(request);
          } catch (error) {
            waiting.cancel();
            throw error;
          }
          result = await service.completeAuthorization(await waiting.callback);
        }
        if (flags.json) console.log(JSON.stringify(describeLaunch(result), null, 2));
        else for (const line of formatLaunch(result)) console.log(line);
        await result.session.end();
      } finally {
        await sandbox?.close();
      }
    });
}
