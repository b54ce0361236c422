import styles from './StatusBadge.module.css';

const tone = (status: string) =>
  status === 'Approved'
    ? styles.approved
    : status === 'Declined'
      ? styles.declined
      : status === 'In Review'
        ? styles.review
        : styles.neutral;

export function StatusBadge({ status }: { status: string | null }) {
  if (!status) return null;
  return <span className={`${styles.badge} ${tone(status)}`}>{status}</span>;
}
