/**
 * The console's one way of writing an instant: `29 Nov 2026, 22:10` (`22:10:05` with seconds), in
 * the user's time zone, 24-hour clock. The pattern is fixed rather than left to the browser's
 * locale, so every page, and every analyst's screen, reads dates the same way; English month
 * abbreviations because the console is in English. The ISO instant belongs in `<time dateTime>`.
 */

export interface DateTimeOptions {
  /** Add seconds (`22:10:05`), for logs and sync where they matter. */
  seconds?: boolean;
  /** IANA time zone; the user's own when omitted (tests pin one). */
  timeZone?: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor({ seconds = false, timeZone }: DateTimeOptions): Intl.DateTimeFormat {
  const key = `${seconds ? 's' : 'm'}|${timeZone ?? ''}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    // en-US only for its parts (short month names, h23 hours); the order is assembled below.
    formatter = new Intl.DateTimeFormat('en-US', {
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      ...(seconds ? { second: '2-digit' } : {}),
      hourCycle: 'h23',
      timeZone,
    });
    formatters.set(key, formatter);
  }
  return formatter;
}

/** `29 Nov 2026, 22:10`; `—` for nothing; an unparseable string is shown as it came. */
export function formatDateTime(value: string | number | Date | null | undefined, options: DateTimeOptions = {}): string {
  if (value === null || value === undefined || value === '') return '—';
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return typeof value === 'string' ? value : '—';
  const part: Partial<Record<Intl.DateTimeFormatPartTypes, string>> = {};
  for (const { type, value: text } of formatterFor(options).formatToParts(date)) part[type] = text;
  const time = `${part.hour}:${part.minute}${options.seconds ? `:${part.second}` : ''}`;
  return `${part.day} ${part.month} ${part.year}, ${time}`;
}
