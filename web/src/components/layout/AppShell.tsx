import { NavLink, Outlet, useNavigation } from 'react-router';
import type { CapabilityName } from '../../../../server/contract/auth.ts';
import { AvailabilityToggle } from '../assignment/AvailabilityToggle.tsx';
import { UserMenu } from '../auth/UserMenu.tsx';
import { useMe } from '../auth/me.ts';
import { UndoToast } from '../undo/UndoToast.tsx';
import styles from './AppShell.module.css';

const sections: ReadonlyArray<{ to: string; label: string; needs?: CapabilityName }> = [
  { to: '/queue', label: 'Queue' },
  { to: '/second-review', label: 'Second review', needs: 'session.decide' },
  { to: '/workflows', label: 'Workflows' },
  { to: '/insights', label: 'Insights', needs: 'insights.read' },
  { to: '/team', label: 'Team', needs: 'claim.release_others' },
  { to: '/sync', label: 'Sync' },
  { to: '/audit', label: 'Audit', needs: 'audit.read' },
  { to: '/admin/tokens', label: 'Tokens', needs: 'token.manage' },
];

/** The frame every page renders in: product name, primary navigation, and the page itself. */
export function AppShell() {
  const navigation = useNavigation();
  const me = useMe();
  // Sections the role cannot use are hidden; the server refuses them anyway.
  const visible = sections.filter((section) => !section.needs || me.capabilities.includes(section.needs));
  return (
    <div className={styles.shell}>
      <a className={styles.skipLink} href="#main">
        Skip to content
      </a>
      <header className={styles.header}>
        <span className={styles.brand}>Review console</span>
        <nav aria-label="Primary" className={styles.nav}>
          <ul>
            {visible.map((section) => (
              <li key={section.to}>
                <NavLink
                  to={section.to}
                  className={({ isActive }) => (isActive ? `${styles.link} ${styles.active}` : styles.link)}
                >
                  {section.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <AvailabilityToggle canClaim={me.user.kind === 'user' && me.capabilities.includes('session.claim')} />
        <UserMenu label={me.user.label} role={me.user.role} />
      </header>
      <main id="main" className={styles.main} aria-busy={navigation.state === 'loading'}>
        <Outlet />
      </main>
      <UndoToast />
    </div>
  );
}
