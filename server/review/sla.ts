/**
 * Review SLAs in business time (issue 20, ADR 0020). A workflow's `sla_minutes` counts the minutes
 * of business hours (SLA_BUSINESS_HOURS, e.g. `Mon-Fri 09:00-18:00 Europe/Madrid`) since the
 * session entered In Review; without business hours every minute counts (24/7). Pure functions:
 * the wall-clock maths goes through `Intl`, so daylight-saving changes of the zone are honoured.
 */

/** Business hours: the weekdays (0 Sunday … 6 Saturday) open, one daily window, and its zone. */
export interface BusinessHours {
  days: ReadonlySet<number>;
  /** Minutes after local midnight the window opens and closes (open < close, same day). */
  openMinute: number;
  closeMinute: number;
  timeZone: string;
}

/** How SLA clocks run: business hours (null: 24/7) and the share of the target left below which a session is at risk. */
export interface SlaSettings {
  businessHours: BusinessHours | null;
  /** 0–1: at risk when less than this share of the target is left (SLA_AT_RISK_PERCENT / 100). */
  atRiskShare: number;
}

export const DEFAULT_SLA_SETTINGS: SlaSettings = { businessHours: null, atRiskShare: 0.2 };

export type SlaState = 'ok' | 'at_risk' | 'breached';

const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const MINUTE_MS = 60_000;
/** Walks stop after this many calendar days (a 7-day SLA in one hour a week stays far inside). */
const MAX_DAYS = 3_700;

function dayIndex(name: string): number {
  const index = DAY_NAMES.indexOf(name.toLowerCase() as (typeof DAY_NAMES)[number]);
  if (index < 0) throw new Error(`"${name}" is not a weekday (Mon, Tue, … Sun)`);
  return index;
}

function minuteOfDay(text: string): number {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$|^(24):(00)$/.exec(text);
  if (!match) throw new Error(`"${text}" is not a time as HH:MM`);
  return Number(match[1] ?? match[3]) * 60 + Number(match[2] ?? match[4]);
}

/**
 * Parses `Mon-Fri 09:00-18:00 Europe/Madrid` (days as ranges or lists: `Mon-Thu,Sat`; the zone
 * optional, UTC by default). Throws an Error saying what is wrong.
 */
export function parseBusinessHours(text: string): BusinessHours {
  const parts = text.trim().split(/\s+/);
  if (parts.length < 2 || parts.length > 3) {
    throw new Error('expected "<days> <HH:MM-HH:MM> [time zone]", e.g. "Mon-Fri 09:00-18:00 Europe/Madrid"');
  }
  const [dayText = '', timeText = '', timeZone = 'UTC'] = parts;
  const days = new Set<number>();
  for (const item of dayText.split(',')) {
    const [from = '', to] = item.split('-');
    const start = dayIndex(from);
    const end = to === undefined ? start : dayIndex(to);
    for (let day = start; ; day = (day + 1) % 7) {
      days.add(day);
      if (day === end) break;
    }
  }
  const [open = '', close = '', ...extra] = timeText.split('-');
  if (extra.length > 0) throw new Error(`"${timeText}" is not a window as HH:MM-HH:MM`);
  const openMinute = minuteOfDay(open);
  const closeMinute = minuteOfDay(close);
  if (openMinute >= closeMinute) throw new Error(`the window ${timeText} must open before it closes, within one day`);
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    throw new Error(`"${timeZone}" is not an IANA time zone`);
  }
  return { days, openMinute, closeMinute, timeZone };
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The wall-clock time in `timeZone` at `ms`, as if it were UTC (so the difference is the zone's offset). */
function wallClockAsUtc(ms: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(ms))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = parts;
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

/** The instant at which the wall clock of `timeZone` shows `wall` (a local time written as UTC). */
function zonedInstant(wall: number, timeZone: string): number {
  // Two passes settle the offset on either side of a DST change (a skipped time lands after the gap).
  let guess = wall - (wallClockAsUtc(wall, timeZone) - wall);
  guess = wall - (wallClockAsUtc(guess, timeZone) - guess);
  return guess;
}

/** The local calendar day (as UTC midnight of that date) containing `ms` in `timeZone`. */
function localDay(ms: number, timeZone: string): number {
  const wall = wallClockAsUtc(ms, timeZone);
  return wall - (((wall % 86_400_000) + 86_400_000) % 86_400_000);
}

/** Business windows as [open, close) instants, from the local day containing `fromMs`, in order. */
function* windows(fromMs: number, hours: BusinessHours): Generator<[number, number]> {
  const firstDay = localDay(fromMs, hours.timeZone);
  for (let i = 0; i < MAX_DAYS; i++) {
    const day = firstDay + i * 86_400_000;
    if (!hours.days.has(new Date(day).getUTCDay())) continue;
    yield [
      zonedInstant(day + hours.openMinute * MINUTE_MS, hours.timeZone),
      zonedInstant(day + hours.closeMinute * MINUTE_MS, hours.timeZone),
    ];
  }
}

/**
 * Whole business minutes between two instants (0 when `end` is not after `start`): every minute
 * with `hours` null (24/7), otherwise only those inside the business windows.
 */
export function businessMinutesBetween(start: Date, end: Date, hours: BusinessHours | null): number {
  const from = start.getTime();
  const to = end.getTime();
  if (!(to > from)) return 0;
  if (!hours) return Math.floor((to - from) / MINUTE_MS);
  let total = 0;
  for (const [open, close] of windows(from, hours)) {
    if (open >= to) break;
    total += Math.max(0, Math.min(close, to) - Math.max(open, from));
  }
  return Math.floor(total / MINUTE_MS);
}

/** The instant `minutes` business minutes after `start` (a start outside hours counts from the next opening). */
export function addBusinessMinutes(start: Date, minutes: number, hours: BusinessHours | null): Date {
  const from = start.getTime();
  if (!hours) return new Date(from + minutes * MINUTE_MS);
  let left = minutes * MINUTE_MS;
  for (const [open, close] of windows(from, hours)) {
    const begin = Math.max(open, from);
    if (begin >= close) continue;
    if (left <= close - begin) return new Date(begin + left);
    left -= close - begin;
  }
  // Unreachable with at least one open day; a far future rather than a throw in a list view.
  return new Date(from + MAX_DAYS * 86_400_000);
}

/**
 * The latest instant from which `minutes` business minutes have passed by `end`: a session that
 * entered review at or before it has breached an SLA of `minutes` at `end` (`slaClock`'s
 * `breached`, as one comparison the database can make against an index).
 */
export function subtractBusinessMinutes(end: Date, minutes: number, hours: BusinessHours | null): Date {
  const to = end.getTime();
  if (!hours) return new Date(to - minutes * MINUTE_MS);
  let left = minutes * MINUTE_MS;
  const lastDay = localDay(to, hours.timeZone);
  for (let i = 0; i < MAX_DAYS; i++) {
    const day = lastDay - i * 86_400_000;
    if (!hours.days.has(new Date(day).getUTCDay())) continue;
    const open = zonedInstant(day + hours.openMinute * MINUTE_MS, hours.timeZone);
    const close = Math.min(zonedInstant(day + hours.closeMinute * MINUTE_MS, hours.timeZone), to);
    if (open >= close) continue;
    if (left <= close - open) return new Date(close - left);
    left -= close - open;
  }
  // Unreachable with at least one open day; a far past rather than a throw in a gauge.
  return new Date(to - MAX_DAYS * 86_400_000);
}

export interface SlaClock {
  dueAt: Date;
  state: SlaState;
  /** Business minutes left until due (0 once breached). */
  minutesLeft: number;
}

/**
 * A session's SLA clock: due `slaMinutes` business minutes after it entered In Review; breached
 * from then on, at risk while less than `atRiskShare` of the target is left.
 */
export function slaClock(inReviewSince: Date, slaMinutes: number, now: Date, settings: SlaSettings): SlaClock {
  const dueAt = addBusinessMinutes(inReviewSince, slaMinutes, settings.businessHours);
  if (now.getTime() >= dueAt.getTime()) return { dueAt, state: 'breached', minutesLeft: 0 };
  const minutesLeft = businessMinutesBetween(now, dueAt, settings.businessHours);
  const state: SlaState = minutesLeft < slaMinutes * settings.atRiskShare ? 'at_risk' : 'ok';
  return { dueAt, state, minutesLeft };
}
