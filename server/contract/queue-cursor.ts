import { z } from 'zod';
import { decodeCursorToken, encodeCursorToken } from './cursor.ts';
import { DIDIT_ID_PATTERN } from './ids.ts';
import { queueSortSchema, type QueueSort } from './review.ts';

/**
 * The queue's keyset cursor: a position (sort value, session id) in one sort order, as
 * `[sort, dir, value, id]` in a cursor token. The value is the sort expression as Postgres printed
 * it (`timestamptz` text for age, `float8` text for scores: text keeps microseconds and exact
 * floats), and the server casts it back in SQL; so it is checked here to be exactly such text,
 * and the id to be a Didit id, before any query sees it.
 */

export interface QueueCursor {
  sort: QueueSort;
  dir: 'asc' | 'desc';
  value: string;
  id: string;
}

/** `timestamptz` output in DateStyle ISO: `2026-11-30 09:15:02.123456+00` (offset `+05:30` elsewhere). */
const timestampText = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?[+-](\d{2})(?::(\d{2})(?::(\d{2}))?)?$/;
/** `float8` output: `62.5`, `-1`, `1e-05`, `1.5e+20` (never NaN or Infinity for a score). */
const floatText = /^-?\d{1,20}(?:\.\d{1,20})?(?:e[+-]\d{1,3})?$/;

function isTimestampText(value: string): boolean {
  const match = timestampText.exec(value);
  if (!match) return false;
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, offsetH = 0, offsetM = 0, offsetS = 0] = match
    .slice(1)
    .map((part) => Number(part ?? '0'));
  // Day 0 of the next month is the last day of this one.
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return (
    year >= 1 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    offsetH <= 15 &&
    offsetM <= 59 &&
    offsetS <= 59
  );
}

function isFloatText(value: string): boolean {
  return floatText.test(value) && Number.isFinite(Number(value));
}

const tupleSchema = z.tuple([queueSortSchema, z.enum(['asc', 'desc']), z.string().max(64), z.string().regex(DIDIT_ID_PATTERN)]);

/** A cursor token → the position it names; any other string fails with "not a cursor from this API". */
export const queueCursorSchema = z.string().transform((token, ctx): QueueCursor => {
  const parsed = tupleSchema.safeParse(decodeCursorToken(token));
  if (parsed.success) {
    const [sort, dir, value, id] = parsed.data;
    if (sort === 'age' ? isTimestampText(value) : isFloatText(value)) return { sort, dir, value, id: id.toLowerCase() };
  }
  ctx.addIssue({ code: 'custom', message: 'not a cursor from this API' });
  return z.NEVER;
});

export function encodeQueueCursor(cursor: QueueCursor): string {
  return encodeCursorToken([cursor.sort, cursor.dir, cursor.value, cursor.id]);
}
