import { useState } from 'react';
import styles from './Sync.module.css';

export type Announcement = { tone: 'ok' | 'error'; text: string };

/**
 * A button on a row of a Sync table (replay a webhook, re-queue a push): which rows have a request
 * in flight, and what the last request came to, for an `Announcer`. `perform` resolves to the words
 * announced on success; `failure` turns an error into the words announced instead.
 */
export function useRowAction() {
  const [inFlight, setInFlight] = useState<ReadonlySet<number>>(new Set());
  const [announcement, setAnnouncement] = useState<Announcement | null>(null);

  const run = async (id: number, perform: () => Promise<string>, failure: (error: unknown) => string) => {
    setInFlight((current) => new Set(current).add(id));
    setAnnouncement(null);
    try {
      setAnnouncement({ tone: 'ok', text: await perform() });
    } catch (error) {
      setAnnouncement({ tone: 'error', text: failure(error) });
    } finally {
      setInFlight((current) => {
        const next = new Set(current);
        next.delete(id);
        return next;
      });
    }
  };

  return { inFlight, announcement, run };
}

/** The live region a row action announces in; always rendered, so screen readers hear each change. */
export function Announcer({ announcement }: { announcement: Announcement | null }) {
  return (
    <p role="status" className={announcement?.tone === 'error' ? styles.error : styles.announce}>
      {announcement?.text ?? ''}
    </p>
  );
}
