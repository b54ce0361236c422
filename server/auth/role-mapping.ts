import type { Config } from '../config.ts';
import { highestRole, roles, type Role } from './rbac.ts';

type RoleMapping = Pick<Config['oidc'], 'rolesClaim' | 'roleMap'>;

/**
 * The one place a person's console role comes from: the configured claim of their ID token
 * (a string or an array of strings, reached by a dot path such as `realm_access.roles`), mapped
 * through `OIDC_ROLE_MAP`. Values not in the map grant nothing; several mapped values give the
 * strongest role. `undefined` means no access: nobody is let in as a viewer by default.
 */
export function roleFromClaims(claims: Record<string, unknown>, mapping: RoleMapping): Role | undefined {
  return highestRole(mappedRoles(claims, mapping));
}

/** Every role the claim maps to (stored on `app_user` for the record), weakest first. */
export function mappedRoles(claims: Record<string, unknown>, mapping: RoleMapping): Role[] {
  let value: unknown = claims;
  for (const key of mapping.rolesClaim.split('.')) {
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  }
  const values = typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((v) => typeof v === 'string') : [];
  const granted = new Set(values.map((v) => (Object.hasOwn(mapping.roleMap, v) ? mapping.roleMap[v] : undefined)));
  return roles.filter((role) => granted.has(role));
}
