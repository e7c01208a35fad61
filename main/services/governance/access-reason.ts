// Reason for access, per patient. An EPR launch carries a legitimate relationship with the patient in the EPR's
// context only; every other patient (and every patient of a standalone or command-line session) needs its own
// reason from the list, or break-glass with a mandatory free-text reason, declared for that NHS number. A
// caseload prefetch is one declaration for the list it starts, applied to (and audited for) each patient in it.
// Each patient's reason drives the purpose of use in that patient's audit events. Reasons last while the context
// does: a new launch from the clinical system, even one that fails, ends them all (contextChanged).
import type { PurposeOfUse } from '../audit/balp';
import { formatNhsNumber, normaliseNhsNumber } from '../../../common/nhs-number';
import { plainLine } from '../../../common/text-safety';
import { AccessReasonRequiredError, InvalidAccessReasonError } from './errors';

export interface AccessReasonOption {
  code: string;
  /** For one patient; recorded with each patient's reason, a caseload's too. */
  label: string;
  /** The same reason for a list of patients (caseload prefetch and watch). */
  listLabel: string;
  purposeOfUse: PurposeOfUse;
}

/** Legitimate-relationship reasons a standalone user may choose (shown in this order). */
export const ACCESS_REASONS: readonly AccessReasonOption[] = [
  {
    code: 'direct-care',
    label: 'I am providing direct care to this patient',
    listLabel: 'I am providing direct care to these patients',
    purposeOfUse: 'TREAT',
  },
  {
    code: 'emergency-care',
    label: 'Emergency or urgent care (999, 111, out of hours)',
    listLabel: 'Emergency or urgent care (999, 111, out of hours)',
    purposeOfUse: 'ETREAT',
  },
  {
    code: 'referral',
    label: 'Responding to a referral or handover of care',
    listLabel: 'Responding to referrals or handovers of their care',
    purposeOfUse: 'TREAT',
  },
  {
    code: 'care-coordination',
    label: 'Coordinating this patient’s care (discharge, care planning)',
    listLabel: 'Coordinating these patients’ care (discharge, care planning)',
    purposeOfUse: 'COC',
  },
];

export const BREAK_GLASS_CODE = 'break-glass';
export const MIN_BREAK_GLASS_REASON = 10;

export type LaunchKind = 'ehr' | 'standalone';

export interface AccessDeclaration {
  reasonCode: string;
  label: string;
  breakGlass: boolean;
  /** The free-text reason (break-glass). */
  freeText?: string;
  purposeOfUse: PurposeOfUse[];
  at: string;
}

export interface DeclareReasonInput {
  reasonCode: string;
  breakGlass: boolean;
  freeText?: string;
  /** The patient the reason is for; without one, the reason is for the next caseload prefetch. */
  nhsNumber?: string;
}

/** Strips control characters and collapses whitespace: the reason is stored and shown, never executed. */
const cleanText = (text: string): string => plainLine(text).slice(0, 500);

export class AccessReasonState {
  private readonly byPatient = new Map<string, AccessDeclaration>();
  /** Declared for the next caseload prefetch, which takes it (one declaration per list). */
  private caseload: AccessDeclaration | undefined;

  constructor(
    readonly launch: LaunchKind,
    /** The patient in the EPR's context (an EPR launch only). */
    readonly contextNhsNumber?: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    if (launch === 'ehr' && contextNhsNumber) {
      this.byPatient.set(normaliseNhsNumber(contextNhsNumber), {
        reasonCode: 'ehr-context',
        label: 'Opened from the clinical system with this patient in context',
        breakGlass: false,
        purposeOfUse: ['TREAT'],
        at: now().toISOString(),
      });
    }
  }

  /** The reason this patient's record may be shown, if there is one. */
  reasonFor(nhsNumber: string): AccessDeclaration | undefined {
    return this.byPatient.get(normaliseNhsNumber(nhsNumber));
  }

  breakGlassFor(nhsNumber: string): AccessDeclaration | undefined {
    const reason = this.reasonFor(nhsNumber);
    return reason?.breakGlass ? reason : undefined;
  }

  /** Every patient with a reason, by NHS number. */
  patients(): [string, AccessDeclaration][] {
    return [...this.byPatient];
  }

  /** The purpose of use for this patient's events; undefined when the session has no reason for them. */
  purposeOfUseFor(nhsNumber: string): PurposeOfUse[] | undefined {
    return this.reasonFor(nhsNumber)?.purposeOfUse;
  }

  get caseloadReason(): AccessDeclaration | undefined {
    return this.caseload;
  }

  /**
   * Records the user's reason for one patient, or (without an NHS number) for the next caseload prefetch.
   * Break-glass is for one patient, needs a free-text reason and, once declared for a patient, stays for the
   * rest of the session (a later ordinary reason does not clear it).
   */
  declare(input: DeclareReasonInput): AccessDeclaration {
    const nhs = input.nhsNumber ? normaliseNhsNumber(input.nhsNumber) : undefined;
    const declaration = this.declarationOf(input, nhs);
    if (!nhs) {
      this.caseload = declaration;
      return declaration;
    }
    const held = this.byPatient.get(nhs);
    if (held?.breakGlass && !declaration.breakGlass) return held;
    this.byPatient.set(nhs, declaration);
    return declaration;
  }

  /**
   * The clinical system launched the viewer again (whether or not that launch succeeds): a change of context,
   * so no patient is covered any more, the EPR's earlier patient included, nor is a list's reason not yet used.
   * Each patient opened next needs a reason given now (a successful launch starts a new session, whose EPR
   * patient is covered by that launch).
   */
  contextChanged(): void {
    this.byPatient.clear();
    this.caseload = undefined;
  }

  /** Throws AccessReasonRequiredError, naming the patient, unless the user may see this patient's record. */
  requireAccess(nhsNumber: string): AccessDeclaration {
    const reason = this.reasonFor(nhsNumber);
    if (!reason) {
      throw new AccessReasonRequiredError(
        `Give your reason for accessing the record of the patient with NHS number ${formatNhsNumber(normaliseNhsNumber(nhsNumber))} (or use emergency access) before it is shown. A reason given for another patient does not cover this one.`,
      );
    }
    return reason;
  }

  requireCaseloadReason(): AccessDeclaration {
    if (!this.caseload) {
      throw new AccessReasonRequiredError(
        'Give your reason for saving these patients’ records before the prefetch starts. It is recorded for each patient.',
      );
    }
    return this.caseload;
  }

  /**
   * The caseload reason, taken by the prefetch that applies it: each patient in the list gets it as their own
   * reason (a patient who already has one keeps theirs).
   */
  takeCaseloadReason(): AccessDeclaration {
    const reason = this.requireCaseloadReason();
    this.caseload = undefined;
    return reason;
  }

  applyCaseloadReason(nhsNumber: string, reason: AccessDeclaration): AccessDeclaration {
    const nhs = normaliseNhsNumber(nhsNumber);
    const held = this.byPatient.get(nhs);
    if (held) return held;
    this.byPatient.set(nhs, reason);
    return reason;
  }

  private declarationOf(input: DeclareReasonInput, nhs: string | undefined): AccessDeclaration {
    const at = this.now().toISOString();
    if (input.breakGlass || input.reasonCode === BREAK_GLASS_CODE) {
      if (!nhs) {
        throw new InvalidAccessReasonError(
          'Emergency access (break-glass) is for one patient: open that patient’s record and use it there.',
        );
      }
      const freeText = cleanText(input.freeText ?? '');
      if (freeText.length < MIN_BREAK_GLASS_REASON) {
        throw new InvalidAccessReasonError(
          `Emergency access needs a reason in your own words (at least ${MIN_BREAK_GLASS_REASON} characters).`,
        );
      }
      return {
        reasonCode: BREAK_GLASS_CODE,
        label: 'Emergency access (break-glass)',
        breakGlass: true,
        freeText,
        purposeOfUse: ['ETREAT', 'BTG'],
        at,
      };
    }
    const option = ACCESS_REASONS.find((r) => r.code === input.reasonCode);
    if (!option) throw new InvalidAccessReasonError('Choose one of the listed reasons for access.');
    return {
      reasonCode: option.code,
      label: option.label,
      breakGlass: false,
      purposeOfUse: [option.purposeOfUse],
      at,
    };
  }
}
