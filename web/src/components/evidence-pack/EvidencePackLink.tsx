import type { SessionDetail } from '../../../../server/contract/review.ts';
import { evidencePackUrl } from '../../api/evidence-pack.ts';
import { useCapability } from '../../hooks/use-capability.ts';
import styles from './EvidencePackLink.module.css';

/** Whether a session has an evidence pack: decided (Approved or Declined) and not erased on request. */
export function hasEvidencePack(session: Pick<SessionDetail, 'status' | 'privacy'>): boolean {
  return (session.status === 'Approved' || session.status === 'Declined') && session.privacy.removal !== 'erasure';
}

/**
 * "Download evidence pack (PDF)" on a decided session (issue 20), for roles that may generate one
 * (analysts and up). A plain link: the server builds the PDF, audits the generation and answers it
 * as an attachment; nothing is kept in the page.
 */
export function EvidencePackLink({ session }: { session: Pick<SessionDetail, 'id' | 'status' | 'privacy'> }) {
  const allowed = useCapability('session.evidence_pack');
  if (!allowed || !hasEvidencePack(session)) return null;
  return (
    <div className={styles.panel}>
      <a className={styles.download} href={evidencePackUrl(session.id)} download aria-describedby={`evidence-pack-${session.id}`}>
        Download evidence pack (PDF)
      </a>
      <p id={`evidence-pack-${session.id}`} className={styles.hint}>
        For auditors: decision, scores and thresholds, timeline, audit entries and image hashes. Each download is audited.
      </p>
    </div>
  );
}
