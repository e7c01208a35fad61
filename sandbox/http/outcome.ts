import type { OperationOutcome } from '../../common/fhir';
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';

export function operationOutcome(
  code: OperationOutcomeIssue['code'],
  diagnostics: string,
  severity: 'error' | 'warning' | 'fatal' | 'information' = 'error',
): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity, code, diagnostics }] };
}
