// SMART scopes the viewer asks for, with v1 fallback, and what the server did not grant (shown in the UI).

export type LaunchKind = 'ehr' | 'standalone';

/**
 * `offlineAccess`: whether to ask for a refresh token that outlives the access token (see
 * offlineAccessWanted); without it the sign-in ends when the access token does.
 */
export function requestedScopes(kind: LaunchKind, permissionV2: boolean, offlineAccess = false): string[] {
  const read = permissionV2 ? 'rs' : 'read';
  const offline = offlineAccess ? ['offline_access'] : [];
  return kind === 'ehr'
    ? ['launch', 'openid', 'fhirUser', `patient/*.${read}`, ...offline]
    : ['openid', 'fhirUser', `user/*.${read}`, ...offline];
}

/** Unlocking proves who is at the keyboard: an identity, nothing to read with. */
export const REAUTHENTICATION_SCOPES = ['openid', 'fhirUser'] as const;

/**
 * Whether a sign-in asks for offline_access, decided before the role is known (it comes with the token).
 * A role chosen before the sign-in (a direct sign-in as a named role) is looked up in the policy's
 * offlineAccessRoles; for an EPR launch the role is not known yet, so offline_access is asked for only when
 * every role the policy maps may have it: a role without offline use never gets a refresh token it may not
 * have (whatever role the launch brings is one of the mapped roles, or the launch is refused).
 */
export function offlineAccessWanted(
  offlineAccessRoles: readonly string[],
  mappedRoles: readonly string[],
  knownRole?: string,
): boolean {
  if (knownRole !== undefined) return offlineAccessRoles.includes(knownRole);
  return mappedRoles.length > 0 && mappedRoles.every((role) => offlineAccessRoles.includes(role));
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
