// The CapabilityStatement each regional server publishes at /metadata. Only a server that implements
// Patient/$everything advertises it, so clients can choose between $everything and per-type searches.
import type { CapabilityStatement } from '../../common/fhir';
import type { CapabilityStatementRestResource } from '@medplum/fhirtypes';
import { topicCanonicalExtensions } from '../alerts/topics';

export const SEARCHABLE_TYPES = [
  'Patient',
  'AllergyIntolerance',
  'Condition',
  'MedicationStatement',
  'MedicationRequest',
  'MedicationDispense',
  'Observation',
  'Flag',
  'Consent',
  'DocumentReference',
  'Encounter',
  'CarePlan',
  'CareTeam',
  'RelatedPerson',
  'EpisodeOfCare',
  'Procedure',
  'Immunization',
  'DiagnosticReport',
  'Goal',
  'Organization',
  'Practitioner',
  'Binary',
] as const;

export function capabilityStatement(o: {
  name: string;
  baseUrl: string;
  everything: boolean;
  smart: boolean;
  /** Topic-based Subscriptions (caseload alerts): advertised only where they are served. */
  subscriptions?: boolean;
}): CapabilityStatement {
  const everything = {
    name: 'everything',
    definition: 'http://hl7.org/fhir/OperationDefinition/Patient-everything',
  };
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2025-10-01',
    kind: 'instance',
    software: { name: `Wessex sandbox: ${o.name}`, version: '0.1.0' },
    implementation: { description: o.name, url: o.baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json'],
    rest: [
      {
        mode: 'server',
        ...(o.smart
          ? {
              security: {
                service: [
                  {
                    coding: [
                      {
                        system: 'http://terminology.hl7.org/CodeSystem/restful-security-service',
                        code: 'SMART-on-FHIR',
                      },
                    ],
                  },
                ],
              },
            }
          : {}),
        resource: SEARCHABLE_TYPES.map((type): CapabilityStatementRestResource => ({
          type,
          interaction: [
            { code: 'read' as const },
            ...(type === 'Binary' ? [] : [{ code: 'search-type' as const }]),
          ],
          searchParam: [
            { name: '_lastUpdated', type: 'date' as const },
            { name: '_count', type: 'number' as const },
            ...(type === 'Patient'
              ? [{ name: 'identifier', type: 'token' as const }]
              : [
                  { name: 'patient', type: 'reference' as const },
                  { name: 'subject', type: 'reference' as const },
                ]),
          ],
          ...(type === 'Patient' && o.everything ? { operation: [everything] } : {}),
        })).concat(o.subscriptions ? subscriptionResources() : []),
        ...(o.everything ? { operation: [everything] } : {}),
      },
    ],
  };
}

const BACKPORT_OPERATION = 'http://hl7.org/fhir/uv/subscriptions-backport/OperationDefinition';

/** The Backport IG's discovery: one topic-canonical extension per topic on the Subscription resource entry. */
function subscriptionResources(): CapabilityStatementRestResource[] {
  return [
    {
      type: 'Subscription',
      extension: topicCanonicalExtensions(),
      interaction: [{ code: 'create' }, { code: 'read' }, { code: 'delete' }],
      operation: [
        {
          name: 'get-ws-binding-token',
          definition: `${BACKPORT_OPERATION}/backport-subscription-get-ws-binding-token`,
        },
        { name: 'status', definition: `${BACKPORT_OPERATION}/backport-subscription-status` },
        { name: 'events', definition: `${BACKPORT_OPERATION}/backport-subscription-events` },
      ],
    },
    {
      type: 'Basic',
      interaction: [{ code: 'search-type' }],
      searchParam: [{ name: 'code', type: 'token' }],
    },
  ];
}
