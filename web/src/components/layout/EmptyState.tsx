import type { ReactNode } from 'react';
import styles from './EmptyState.module.css';

/** What a page shows when it has nothing to show yet: say why, and what happens next. */
export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <section className={styles.empty} aria-label={title}>
      <h2 className={styles.title}>{title}</h2>
      {children ? <div className={styles.body}>{children}</div> : null}
    </section>
  );
}
