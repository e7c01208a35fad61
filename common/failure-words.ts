// How a source's failure reads after its name, wherever it is shown (status lines, section notices, the CLI,
// caseload alerts): "CHIE could not be reached: the server refused the connection".

/**
 * What could not be done, then why: "could not be checked: it answered with a server error (HTTP 500)". A reason
 * that already says what could not be done ("could not be reached: the server refused the connection", "could
 * not sign in: …") stands alone rather than inside a second one ("could not be checked: could not be reached").
 */
export function failedBecause(what: string, why: string | undefined): string {
  if (!why) return what;
  return saysWhatFailed(why) ? why : `${what}: ${why}`;
}

/** A source and its state: a sentence when it says what could not be done ("CHIE could not be reached: …"). */
export function sourceSays(name: string, words: string): string {
  return saysWhatFailed(words) ? `${name} ${words}` : `${name}: ${words}`;
}

const saysWhatFailed = (words: string): boolean => /^could not\b/.test(words);
