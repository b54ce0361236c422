/**
 * The development IdP's people: one per console role, a second analyst and lead (four-eyes
 * rules need two), and one with no console group (to see the "no access" page).
 * Every demo user signs in with the password `demo`.
 */
export interface DemoUser {
  email: string;
  name: string;
  groups: string[];
}

export const demoPassword = 'demo';

export const demoUsers: readonly DemoUser[] = [
  { email: 'viewer@example.test', name: 'Vera Viewer', groups: ['console-viewers'] },
  { email: 'analyst@example.test', name: 'Ana Analyst', groups: ['console-analysts'] },
  { email: 'analyst2@example.test', name: 'Arno Analyst', groups: ['console-analysts'] },
  { email: 'lead@example.test', name: 'Lea Lead', groups: ['console-leads'] },
  { email: 'lead2@example.test', name: 'Leo Lead', groups: ['console-leads'] },
  { email: 'admin@example.test', name: 'Adam Admin', groups: ['console-admins'] },
  { email: 'noaccess@example.test', name: 'Nora Noaccess', groups: ['marketing'] },
];
