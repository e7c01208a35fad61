// The regional access token's shape (IHE IUA claims), shared by the regional authorization server that signs
// it and the resource servers that check it.
import type { JWTPayload } from 'jose';

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ID_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:id_token';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
export const PURPOSE_OF_USE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';
export const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
export const REGIONAL_TOKEN_ALG = 'ES256';
export const REGIONAL_TOKEN_LIFETIME_S = 300;

/** TREAT: direct care (legitimate relationship, caseload); ETREAT: break-glass; HOPERAT: audit upload. */
export const PURPOSES_OF_USE = ['TREAT', 'ETREAT', 'HOPERAT'] as const;
export type PurposeOfUse = (typeof PURPOSES_OF_USE)[number];

export interface IuaExtension {
  subject_name: string;
  subject_organization: string;
  /** ODS code. */
  subject_organization_id: string;
  subject_role: { system: string; code: string };
  purpose_of_use: { system: string; code: string };
  /** `https://fhir.nhs.uk/Id/nhs-number|<nhs>`, only when the token is bound to one patient. */
  person_id?: string;
}

export interface RegionalAccessClaims extends JWTPayload {
  iss: string;
  sub: string;
  aud: string;
  exp: number;
  client_id: string;
  scope: string;
  fhirUser: string;
  extensions: { ihe_iua: IuaExtension };
}

/** The NHS number a token is bound to, or undefined for a token with no patient. */
export function boundNhsNumber(claims: RegionalAccessClaims): string | undefined {
  const personId = claims.extensions.ihe_iua.person_id;
  if (!personId) return undefined;
  const [system, value] = personId.split('|');
  return system === NHS_NUMBER_SYSTEM && value ? value : undefined;
}
