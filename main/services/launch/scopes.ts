// SMART scopes the viewer asks for, with v1 fallback, and what the server did not grant (shown in the UI).

export type LaunchKind = 'ehr' | 'standalone';

export function requestedScopes(kind: LaunchKind, permissionV2: boolean): string[] {
  const read = permissionV2 ? 'rs' : 'read';
  return kind === 'ehr'
    ? ['launch', 'openid', 'fhirUser', `patient/*.${read}`, 'offline_access']
    : ['openid', 'fhirUser', `user/*.${read}`, 'offline_access'];
}

export function parseScope(scope: string | undefined): string[] {
  return (scope ?? '').split(/\s+/).filter(Boolean);
}

/** Requested scopes the server did not grant (launch context scopes are not echoed by servers, so ignored). */
export function ungrantedScopes(requested: readonly string[], granted: readonly string[]): string[] {
  return requested.filter((s) => s !== 'launch' && !s.startsWith('launch/') && !granted.includes(s));
}

/** Whether the granted scopes let the app read this resource type (v1 read or v2 permissions with r). */
export function canRead(granted: readonly string[], resourceType: string): boolean {
  return granted.some((s) => {
    const m = /^(patient|user|system)\/([A-Za-z*]+)\.([a-z*]+)(\?.*)?$/.exec(s);
    if (!m || (m[2] !== '*' && m[2] !== resourceType)) return false;
    const permission = m[3] ?? '';
    return (
      permission === 'read' ||
      permission === '*' ||
      (/^c?r?u?d?s?$/.test(permission) && permission.includes('r'))
    );
  });
}
