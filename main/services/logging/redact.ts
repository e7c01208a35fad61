// Keeps patient identifiers and credentials out of logs. Pure functions: the logger applies them to every
// message before any transport sees it, and again to each formatted line before it is written.

export const REDACTED = {
  nhsNumber: '[NHS-NUMBER]',
  identifier: '[REDACTED]',
  token: '[TOKEN]',
  jwt: '[JWT]',
} as const;

/** Ten digits, alone or in 3-3-4 groups separated by spaces or dashes; never part of a longer number. */
const NHS_NUMBER = /(?<!\d)\d{3}[ -]?\d{3}[ -]?\d{4}(?!\d)/g;
const JWT = /\beyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g;
const BEARER = /\b(Bearer|DPoP)\s+[A-Za-z0-9\-._~+/]+=*/gi;
const TOKEN_FIELD =
  /\b((?:access|refresh|id)_token|(?:access|refresh|id)Token|code_verifier|codeVerifier|client_assertion|client_secret|private_key|privateKey)(\\?["']?\s*[:=]\s*\\?["']?)([^"'&\s,;})\\]+)/gi;
/** The authorization code in a redirect URL is as good as a token until it is exchanged. */
const AUTH_CODE = /([?&#](?:code|token)=)[^&\s"'#]+/gi;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Known identifiers (names, local patient ids) to remove wherever they appear as whole words, case-insensitive.
 * A multi-word name is removed whole and word by word, so "Jane Smith" also hides a lone "Smith".
 */
export function identifierPattern(identifiers: Iterable<string>): RegExp | undefined {
  const terms = new Set<string>();
  for (const raw of identifiers) {
    const identifier = raw.trim();
    if (identifier.length < 2) continue;
    terms.add(identifier);
    for (const word of identifier.split(/[\s,]+/)) if (word.length >= 2) terms.add(word);
  }
  if (terms.size === 0) return undefined;
  const alternatives = [...terms].sort((a, b) => b.length - a.length).map(escapeRegExp);
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${alternatives.join('|')})(?![\\p{L}\\p{N}])`, 'giu');
}

export function redactText(text: string, identifiers?: RegExp): string {
  let out = text
    .replace(BEARER, (_whole, scheme: string) => `${scheme} ${REDACTED.token}`)
    .replace(JWT, REDACTED.jwt)
    .replace(
      TOKEN_FIELD,
      (_whole, field: string, separator: string) => `${field}${separator}${REDACTED.token}`,
    )
    .replace(AUTH_CODE, (_whole, prefix: string) => `${prefix}${REDACTED.token}`);
  if (identifiers) out = out.replace(identifiers, REDACTED.identifier);
  return out.replace(NHS_NUMBER, REDACTED.nhsNumber);
}

/** Redacts strings anywhere inside a log argument (objects, arrays, errors) without touching the original. */
export function redactValue(value: unknown, identifiers?: RegExp, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return redactText(value, identifiers);
  if (typeof value === 'number' || typeof value === 'bigint') {
    const text = String(value);
    const redacted = redactText(text, identifiers);
    return redacted === text ? value : redacted;
  }
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (value instanceof Error) {
    const copy = new Error(redactText(value.message, identifiers));
    copy.name = value.name;
    copy.stack = value.stack === undefined ? undefined : redactText(value.stack, identifiers);
    return copy;
  }
  if (Array.isArray(value)) return value.map((item) => redactValue(item, identifiers, seen));
  if (value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[redactText(key, identifiers)] = redactValue(inner, identifiers, seen);
  }
  return out;
}
