import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { capabilitySchema } from '../contract/auth.ts';
import { startDevIdp } from './dev-idp/dev-idp.ts';
import { capabilitiesOf } from './rbac.ts';
import { mappedRoles, roleFromClaims } from './role-mapping.ts';

const mapping = loadConfig({}).oidc;

describe('role mapping', () => {
  it('derives the strongest mapped role from the groups claim', () => {
    expect(roleFromClaims({ groups: ['console-viewers', 'console-leads', 'staff'] }, mapping)).toBe('lead');
    expect(mappedRoles({ groups: ['console-leads', 'console-viewers'] }, mapping)).toEqual(['viewer', 'lead']);
  });

  it('grants nothing for unmapped, missing or oddly typed claims (never a default viewer)', () => {
    expect(roleFromClaims({ groups: ['marketing'] }, mapping)).toBeUndefined();
    expect(roleFromClaims({}, mapping)).toBeUndefined();
    expect(roleFromClaims({ groups: [{ name: 'console-admins' }, 42] }, mapping)).toBeUndefined();
    expect(roleFromClaims({ groups: ['toString', '__proto__'] }, mapping)).toBeUndefined();
  });

  it('reads a single string or a nested claim such as Keycloak realm roles', () => {
    const keycloak = loadConfig({ OIDC_ROLES_CLAIM: 'realm_access.roles', OIDC_ROLE_MAP: 'review-admin=admin' }).oidc;
    expect(roleFromClaims({ realm_access: { roles: ['offline_access', 'review-admin'] } }, keycloak)).toBe('admin');
    const entra = loadConfig({ OIDC_ROLES_CLAIM: 'roles', OIDC_ROLE_MAP: 'Console.Analyst=analyst' }).oidc;
    expect(roleFromClaims({ roles: 'Console.Analyst' }, entra)).toBe('analyst');
  });

  it('names a bad role map and missing production sign-in settings in the config error', () => {
    expect(() => loadConfig({ OIDC_ROLE_MAP: 'admins=root' })).toThrowError(/OIDC_ROLE_MAP/);
    expect(() => loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/console' })).toThrowError(
      /OIDC_ISSUER: is required in production[\s\S]*OIDC_CLIENT_SECRET[\s\S]*SESSION_SECRET: is required in production/,
    );
    expect(() => loadConfig({ OIDC_ISSUER: 'https://idp.example' })).toThrowError(/OIDC_ISSUER: needs OIDC_CLIENT_ID/);
    expect(() => loadConfig({ SESSION_SECRET: 'short' })).toThrowError(/SESSION_SECRET: .*\[redacted\]/);
  });

  it('lists the same capabilities in the shared contract as the server grants', () => {
    expect(capabilitiesOf('admin')).toEqual(capabilitySchema.options);
  });

  it('refuses to start the development IdP in production', async () => {
    await expect(startDevIdp({ port: 0, env: 'production', clients: [] })).rejects.toThrow(/NODE_ENV=production/);
  });
});
