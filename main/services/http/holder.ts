// Which configured source a URL belongs to, so only that source's token goes with it: the source whose base it
// falls under (the longest, where bases nest); failing that, the only source on its origin. When several
// sources share the origin and none owns the path, nobody's token is guessed.

function parse(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/** True when `url` is `base` itself or a path under it (same origin). */
export function isUnderBase(url: string, base: string): boolean {
  const target = parse(url);
  const root = parse(base);
  if (!target || !root || target.origin !== root.origin) return false;
  const prefix = root.pathname.replace(/\/+$/, '');
  return target.pathname === prefix || target.pathname.startsWith(`${prefix}/`) || prefix === '';
}

export function sourceHolding<T>(
  url: string,
  sources: readonly T[],
  baseOf: (source: T) => string,
): T | undefined {
  const under = sources
    .filter((s) => isUnderBase(url, baseOf(s)))
    .sort((a, b) => baseOf(b).length - baseOf(a).length);
  if (under[0]) return under[0];
  const origin = parse(url)?.origin;
  const sameOrigin = sources.filter((s) => parse(baseOf(s))?.origin === origin);
  return sameOrigin.length === 1 ? sameOrigin[0] : undefined;
}
