import { useSyncExternalStore } from 'react';
import type { SessionDetail } from '../../../../server/contract/review.ts';

/**
 * The decision the analyst may still undo (issue 20): one at a time, the latest, kept across
 * pages (after a decision the next session opens) until its window closes or it is undone.
 */
export interface Undoable {
  sessionId: string;
  /** How the status line names the session. */
  label: string;
  decision: 'Approved' | 'Declined' | 'Resubmitted';
  /** The session's version after the decision (the undo's `expectedVersion`). */
  version: number;
  /** When the window closes (ms since the epoch, from the server's `undoUntil`). */
  until: number;
  /** The queue filters the analyst was working with, kept when the session reopens. */
  filters: Record<string, string>;
  /** Held from Didit until a second analyst confirms it (four eyes, ADR 0021). */
  held?: boolean;
}

let current: Undoable | null = null;
const listeners = new Set<() => void>();

function emit(): void {
  for (const listener of listeners) listener();
}

/** Offers the undo of the decision just recorded, when the server says the caller may undo it. */
export function offerUndo(
  fresh: Pick<SessionDetail, 'id' | 'version' | 'undoUntil' | 'allowed' | 'pushState'>,
  decision: Undoable['decision'],
  label: string,
  filters: Record<string, string>,
): void {
  const until = fresh.undoUntil ? Date.parse(fresh.undoUntil) : Number.NaN;
  if (!fresh.allowed.undo || Number.isNaN(until)) return;
  current = { sessionId: fresh.id, label, decision, version: fresh.version, until, filters, held: fresh.pushState === 'held' };
  emit();
}

/** The session changed while the undo was on offer (a 409 answered the fresh state). */
export function refreshUndo(fresh: Pick<SessionDetail, 'id' | 'version' | 'undoUntil' | 'allowed'>): void {
  if (!current || current.sessionId !== fresh.id) return;
  const until = fresh.undoUntil ? Date.parse(fresh.undoUntil) : Number.NaN;
  current = fresh.allowed.undo && !Number.isNaN(until) ? { ...current, version: fresh.version, until } : null;
  emit();
}

/** Nothing left to undo (undone, or the window closed). */
export function clearUndo(): void {
  if (current === null) return;
  current = null;
  emit();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const snapshot = () => current;

export function useUndoable(): Undoable | null {
  return useSyncExternalStore(subscribe, snapshot, snapshot);
}
