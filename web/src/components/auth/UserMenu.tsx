import { useState } from 'react';
import { logout } from '../../api/auth.ts';
import styles from './UserMenu.module.css';

/** Who is signed in, with which role, and the way out (ends our session, then the IdP's). */
export function UserMenu({ label, role }: { label: string; role: string }) {
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(false);
  const signOut = async () => {
    setBusy(true);
    setFailed(false);
    try {
      const { redirectTo } = await logout();
      window.location.assign(redirectTo);
    } catch {
      setFailed(true);
      setBusy(false);
    }
  };
  return (
    <div className={styles.menu}>
      <span className={styles.who} data-testid="signed-in-user">
        {label}
      </span>
      <span className={styles.role} data-testid="signed-in-role">
        {role}
      </span>
      <button type="button" className={styles.signOut} onClick={() => void signOut()} disabled={busy}>
        {busy ? 'Signing out…' : 'Sign out'}
      </button>
      {failed ? (
        <span role="alert" className={styles.error}>
          Sign-out failed; try again.
        </span>
      ) : null}
    </div>
  );
}
