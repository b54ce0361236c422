import styles from './SessionPanels.module.css';

/** What the form asks for: whether Didit emails the user a link to try again, and where to. */
export interface ResubmissionEmailDraft {
  sendEmail: boolean;
  emailAddress: string;
}

/** A plausible address (the server checks it properly); `address` is trimmed first. */
export const looksLikeEmail = (address: string) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(address.trim());

/**
 * "Email the user a link to try again" and the address, for a request to try again: when it is
 * made (the decision form) and when its failed push is retried (the address given first is not
 * kept, so it is asked for again).
 */
export function ResubmissionEmail({
  id,
  draft,
  onChange,
  label = 'Email the user a link to try again (sent by Didit)',
}: {
  /** Prefix of the fields' ids, unique on the page. */
  id: string;
  draft: ResubmissionEmailDraft;
  onChange: (change: Partial<ResubmissionEmailDraft>) => void;
  label?: string;
}) {
  return (
    <div className={styles.emailFields}>
      <label className={styles.reason}>
        <input type="checkbox" checked={draft.sendEmail} onChange={(event) => onChange({ sendEmail: event.target.checked })} />
        <span>{label}</span>
      </label>
      {draft.sendEmail ? (
        <>
          <label htmlFor={`${id}-email`} className={styles.fieldLabel}>
            Email address <span className={styles.muted}>(passed to Didit only, not kept here)</span>
          </label>
          <input
            id={`${id}-email`}
            type="email"
            autoComplete="off"
            aria-required="true"
            maxLength={254}
            value={draft.emailAddress}
            onChange={(event) => onChange({ emailAddress: event.target.value })}
          />
        </>
      ) : null}
    </div>
  );
}
