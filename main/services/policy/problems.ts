// A configuration problem is always about one named key, so IT can find and fix it.
export interface PolicyProblem {
  /** The policy key (e.g. `sources[1].fhirBase`), or the file/registry location when it is unreadable. */
  key: string;
  message: string;
  /** Where the bad value was set: a registry path or the policy file. */
  source?: string;
}

/** One line per problem, as the configuration-problem screen and `doctor` show them. */
export function describePolicyProblems(problems: readonly PolicyProblem[]): string[] {
  return problems.map((problem) => `${problem.key}: ${problem.message}`);
}
