// Canonical JSON: object keys sorted at every depth, no whitespace, undefined members dropped. The same value
// always serialises to the same text, whatever order its keys were written in: an audit event's hash can be
// recomputed by anyone verifying the chain, and the renderer knows one question asked twice.
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const member = (value as Record<string, unknown>)[key];
      if (member !== undefined) out[key] = sortKeys(member);
    }
    return out;
  }
  return value;
}
