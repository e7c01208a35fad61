// NRL-style record-locator pointers (shape after ../shared/fixtures/nrl/*.json).
import type { Coding, DocumentReference } from '../../common/fhir';
import { CODES, NHS_NUMBER, ODS_ORG } from './codes';
import { instant, securityLabel, type Confidentiality } from './build';

export interface PointerSpec {
  id: string;
  nhs: string;
  type: Coding;
  custodianOds: string;
  custodianName: string;
  url: string;
  contentType: string;
  date: string;
  description: string;
  /** The document's confidentiality, as NRL pointers label it (`securityLabel`). */
  security?: Confidentiality;
}

export function locatorPointer(p: PointerSpec): DocumentReference {
  return {
    resourceType: 'DocumentReference',
    id: p.id,
    meta: { lastUpdated: instant(p.date) },
    status: 'current',
    docStatus: 'final',
    type: { coding: [p.type], text: p.type.display },
    category: [{ coding: [CODES.carePlanCategory], text: 'Care plan' }],
    subject: { identifier: { system: NHS_NUMBER, value: p.nhs } },
    author: [{ identifier: { system: ODS_ORG, value: p.custodianOds }, display: p.custodianName }],
    custodian: { identifier: { system: ODS_ORG, value: p.custodianOds }, display: p.custodianName },
    date: instant(p.date),
    description: p.description,
    ...(p.security ? { securityLabel: securityLabel(p.security) } : {}),
    content: [
      {
        attachment: {
          contentType: p.contentType,
          url: p.url,
          title: p.description,
          creation: instant(p.date),
        },
        format: {
          system: 'https://fhir.nhs.uk/England/CodeSystem/England-NRLFormatCode',
          code: p.contentType === 'application/pdf' ? 'urn:nhs-ic:unstructured' : 'urn:nhs-ic:record-contact',
          display: p.contentType === 'application/pdf' ? 'Unstructured document' : 'Contact details',
        },
      },
    ],
    context: {
      sourcePatientInfo: { identifier: { system: NHS_NUMBER, value: p.nhs } },
    },
  };
}
