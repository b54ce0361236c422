import { NavLink, Outlet, useNavigation } from 'react-router';
import styles from './AppShell.module.css';

const sections = [
  { to: '/queue', label: 'Queue' },
  { to: '/workflows', label: 'Workflows' },
  { to: '/sync', label: 'Sync' },
  { to: '/audit', label: 'Audit' },
] as const;

/** The frame every page renders in: product name, primary navigation, and the page itself. */
export function AppShell() {
  const navigation = useNavigation();
  return (
    <div className={styles.shell}>
      <a className={styles.skipLink} href="#main">
        Skip to content
      </a>
      <header className={styles.header}>
        <span className={styles.brand}>Review console</span>
        <nav aria-label="Primary" className={styles.nav}>
          <ul>
            {sections.map((section) => (
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
      </header>
      <main id="main" className={styles.main} aria-busy={navigation.state === 'loading'}>
        <Outlet />
      </main>
    </div>
  );
}
