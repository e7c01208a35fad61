// What a careless server writes into its error answers: a patient's details, the request it was sent (with
// its query) and the credentials it was called with. For the `hostile-error-text` fault: a client must show
// or drop such text, and never copy it into a log.

/** A synthetic patient the hostile answers name (not one of the sandbox patients, so a leak is unmistakable). */
export const HOSTILE_DETAILS = {
  name: 'Winifred Ashdown-Pryce',
  dateOfBirth: '1938-11-23',
  dateOfBirthAsWritten: '23/11/1938',
  postcode: 'SP4 7DE',
  nhsNumber: '9990079196',
  /** `wessex-dcr-svc:Hampshire-2026!` */
  basicCredentials: 'd2Vzc2V4LWRjci1zdmM6SGFtcHNoaXJlLTIwMjYh',
} as const;

/** Every string of HOSTILE_DETAILS, for a test's scan of the written logs. */
export const HOSTILE_STRINGS: readonly string[] = Object.values(HOSTILE_DETAILS);

export function hostileErrorText(request: { method: string; url: URL }): string {
  const d = HOSTILE_DETAILS;
  return (
    `Search failed for patient ${d.name} (born ${d.dateOfBirth}, DOB ${d.dateOfBirthAsWritten}, ` +
    `postcode ${d.postcode}, NHS number ${d.nhsNumber}); request ${request.method} ` +
    `${request.url.pathname}${request.url.search} with Authorization: Basic ${d.basicCredentials}`
  );
}
