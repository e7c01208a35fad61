// Reason for access. An EPR launch carries a legitimate relationship (the patient is in the EPR's context);
// a standalone launch must declare one from the list, or use break-glass with a mandatory free-text reason.
// Break-glass is marked for the rest of the session and drives the purpose of use in every audit event.
import type { PurposeOfUse } from '../audit/balp';
import { AccessReasonRequiredError, InvalidAccessReasonError } from './errors';

export interface AccessReasonOption {
  code: string;
  label: string;
  purposeOfUse: PurposeOfUse;
}

/** Legitimate-relationship reasons a standalone user may choose (shown in this order). */
export const ACCESS_REASONS: readonly AccessReasonOption[] = [
  { code: 'direct-care', label: 'I am providing direct care to this patient', purposeOfUse: 'TREAT' },
  {
    code: 'emergency-care',
    label: 'Emergency or urgent care (999, 111, out of hours)',
    purposeOfUse: 'ETREAT',
  },
  { code: 'referral', label: 'Responding to a referral or handover of care', purposeOfUse: 'TREAT' },
  {
    code: 'care-coordination',
    label: 'Coordinating this patient’s care (discharge, care planning)',
    purposeOfUse: 'COC',
  },
];

export const BREAK_GLASS_CODE = 'break-glass';
export const MIN_BREAK_GLASS_REASON = 10;

export type LaunchKind = 'ehr' | 'standalone' | 'sandbox';

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
}

/** Strips control characters and collapses whitespace: the reason is stored and shown, never executed. */
const cleanText = (text: string): string =>
  text
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 500);

export class AccessReasonState {
  private declaration: AccessDeclaration | undefined;

  constructor(
    readonly launch: LaunchKind,
    private readonly now: () => Date = () => new Date(),
  ) {
    if (launch === 'ehr') {
      this.declaration = {
        reasonCode: 'ehr-context',
        label: 'Opened from the clinical system with this patient in context',
        breakGlass: false,
        purposeOfUse: ['TREAT'],
        at: now().toISOString(),
      };
    }
  }

  get required(): boolean {
    return this.launch !== 'ehr';
  }

  current(): AccessDeclaration | undefined {
    return this.declaration;
  }

  get breakGlass(): AccessDeclaration | undefined {
    return this.declaration?.breakGlass ? this.declaration : undefined;
  }

  purposeOfUse(): PurposeOfUse[] {
    return this.declaration?.purposeOfUse ?? ['TREAT'];
  }

  /**
   * Records the user's reason. Break-glass needs a free-text reason and, once declared, stays for the rest
   * of the session (a later ordinary reason does not clear it).
   */
  declare(input: DeclareReasonInput): AccessDeclaration {
    const at = this.now().toISOString();
    if (input.breakGlass || input.reasonCode === BREAK_GLASS_CODE) {
      const freeText = cleanText(input.freeText ?? '');
      if (freeText.length < MIN_BREAK_GLASS_REASON) {
        throw new InvalidAccessReasonError(
          `Emergency access needs a reason in your own words (at least ${MIN_BREAK_GLASS_REASON} characters).`,
        );
      }
      this.declaration = {
        reasonCode: BREAK_GLASS_CODE,
        label: 'Emergency access (break-glass)',
        breakGlass: true,
        freeText,
        purposeOfUse: ['ETREAT', 'BTG'],
        at,
      };
      return this.declaration;
    }
    const option = ACCESS_REASONS.find((r) => r.code === input.reasonCode);
    if (!option) throw new InvalidAccessReasonError('Choose one of the listed reasons for access.');
    if (this.declaration?.breakGlass) return this.declaration;
    this.declaration = {
      reasonCode: option.code,
      label: option.label,
      breakGlass: false,
      purposeOfUse: [option.purposeOfUse],
      at,
    };
    return this.declaration;
  }

  /** Throws AccessReasonRequiredError unless the user may see the record. */
  requireAccess(): AccessDeclaration {
    if (!this.declaration) throw new AccessReasonRequiredError();
    return this.declaration;
  }
}
