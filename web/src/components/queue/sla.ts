export type SlaLevel = 'ok' | 'warn' | 'breach';

/** Minutes a session has waited in review at `now` (0 when unknown or in the future). */
export function minutesInReview(inReviewSince: string | null, now: number): number | null {
  if (!inReviewSince) return null;
  const since = Date.parse(inReviewSince);
  if (Number.isNaN(since)) return null;
  return Math.max(0, (now - since) / 60_000);
}

/**
 * SLA colour for a session's time in review against its workflow's SLA:
 * under half the SLA is fine, under the SLA is a warning, at or past it is breached.
 */
export function slaLevel(ageMinutes: number, slaMinutes: number): SlaLevel {
  if (!(slaMinutes > 0)) return 'ok';
  const ratio = ageMinutes / slaMinutes;
  if (ratio < 0.5) return 'ok';
  if (ratio < 1) return 'warn';
  return 'breach';
}

export const slaLabels: Record<SlaLevel, string> = {
  ok: 'within SLA',
  warn: 'over half the SLA',
  breach: 'SLA breached',
};

/** Compact duration: `<1 m`, `45 m`, `2 h 05 m`, `3 d 04 h`. */
export function formatDuration(minutes: number): string {
  if (minutes < 1) return '<1 m';
  const total = Math.floor(minutes);
  if (total < 60) return `${total} m`;
  const hours = Math.floor(total / 60);
  if (hours < 24) return `${hours} h ${String(total % 60).padStart(2, '0')} m`;
  return `${Math.floor(hours / 24)} d ${String(hours % 24).padStart(2, '0')} h`;
}

/** The server's SLA state of a queue item (business hours, ADR 0020) as the queue shows it. */
export type SlaState = 'ok' | 'at_risk' | 'breached';

export const slaStateLabels: Record<SlaState, string> = {
  ok: 'within SLA',
  at_risk: 'SLA at risk',
  breached: 'SLA breached',
};

/** The level to colour a row's age by: the server's SLA state when it sent one, else the age against the SLA. */
export function levelOfState(state: SlaState | null | undefined, ageMinutes: number, slaMinutes: number): SlaLevel {
  if (state === 'breached') return 'breach';
  if (state === 'at_risk') return 'warn';
  if (state === 'ok') return 'ok';
  return slaLevel(ageMinutes, slaMinutes);
}
