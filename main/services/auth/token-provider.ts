// How the record engine gets bearer tokens without knowing how they were obtained (the user's token exchanged
// at the regional authorization server, or none for an open source). Regional tokens are bound to the user and
// say what they are for: the patient (when there is one) and the purpose of use.

/** HL7 v3 ActReason codes the regional servers act on (not the audit's purposes of use: audit/balp.ts). */
export type TokenPurpose = 'TREAT' | 'ETREAT' | 'HOPERAT';

/** What a token is asked for: the patient it is bound to (NHS number), if any, and why. */
export interface AccessContext {
  patient?: string;
  purpose: TokenPurpose;
}

/** Direct care with no patient yet: patient search and caseload lookups. */
export const DIRECT_CARE: AccessContext = { purpose: 'TREAT' };

/** Break-glass is emergency treatment; every other access reason is direct care. */
export function purposeOfUse(breakGlass: boolean | undefined): TokenPurpose {
  return breakGlass ? 'ETREAT' : 'TREAT';
}

export interface TokenProvider {
  /** A current access token for this source's origin, or undefined when the source needs none. */
  getToken(sourceId: string, access?: AccessContext): Promise<string | undefined>;
  /** Called once after a 401: a new token, or undefined when that is not possible. */
  refresh(sourceId: string, access?: AccessContext): Promise<string | undefined>;
}

export const noTokens: TokenProvider = {
  getToken: async () => undefined,
  refresh: async () => undefined,
};
