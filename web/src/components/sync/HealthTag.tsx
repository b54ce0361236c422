import { healthLabels, type HealthLevel } from './sync-health.ts';
import styles from './Sync.module.css';

export const levelClass: Record<HealthLevel, string | undefined> = {
  ok: styles.level_ok,
  warn: styles.level_warn,
  breach: styles.level_breach,
  neutral: styles.level_neutral,
};

/** The level in words (and colour): "OK", "Warning", "Needs attention". `label` overrides the words. */
export function HealthTag({ level, label }: { level: HealthLevel; label?: string }) {
  return (
    <span className={`${styles.tag} ${levelClass[level] ?? ''}`} data-level={level}>
      {label ?? healthLabels[level]}
    </span>
  );
}
