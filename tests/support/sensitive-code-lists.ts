// Sensitive code lists IT may name in policy, for tests that need more than the built-in one.
import { parseSensitiveCodeList } from '../../main/services/governance';

/** Mental health services, which the built-in list does not hold (see the README on sensitive codes). */
export const MENTAL_HEALTH_SERVICES = parseSensitiveCodeList(
  {
    valueSets: [
      {
        id: 'mental-health-services',
        title: 'Mental health services',
        concepts: [{ code: '788002001', display: 'Adult mental health service' }],
      },
    ],
  },
  '(test)',
);
