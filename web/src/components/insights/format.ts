import { formatDuration } from '../queue/sla.ts';

/** Minutes as the queue writes ages ("1 h 30 m"); a dash when there is nothing to measure. */
export function formatMinutes(minutes: number | null): string {
  return minutes === null ? '—' : formatDuration(minutes);
}

/** A share as a whole percentage ("12 %"), or "—" when there is no base. */
export function formatShare(part: number, whole: number): string {
  return whole > 0 ? `${Math.round((part / whole) * 100)} %` : '—';
}

export function formatRate(rate: number | null): string {
  return rate === null ? '—' : `${(rate * 100).toFixed(1)} %`;
}

/** Colours for workflows' series, told apart by the legend and the table beside each chart. */
export const seriesColors = ['#0b57d0', '#b06000', '#7a3fb0', '#1a7f37', '#b42318', '#00796b'];

/** "Mon 2 Nov" for a `YYYY-MM-DD` (UTC) day. */
export function formatDay(day: string): string {
  return new Date(`${day}T00:00:00Z`).toLocaleDateString('en-GB', {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    timeZone: 'UTC',
  });
}
