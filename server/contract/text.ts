import { z } from 'zod';

/**
 * Text the console accepts from people, shared by every request schema that takes a string.
 *
 * Postgres refuses U+0000 in `text` and `\u0000` in `jsonb`, and refuses a lone UTF-16 surrogate
 * in `jsonb` (node-postgres would silently turn one into U+FFFD in a `text` column). Such input
 * is never meaningful here, so it is refused at the edge with a 400 naming the field, rather than
 * reaching the database as a 500. Other C0 controls (and DEL) are refused too: they are invisible
 * in the console, the audit export and a terminal, which is what makes them useful for hiding
 * things. Multi-line text keeps tab, line feed and carriage return; a single line keeps none.
 */

// eslint-disable-next-line no-control-regex
const forbiddenInText = /[\p{Cs}\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/u;
// eslint-disable-next-line no-control-regex
const forbiddenInLine = /[\p{Cs}\u0000-\u001f\u007f]/u;

const textMessage = 'must not contain NUL or other control characters (tab and line breaks aside), nor unpaired surrogates';
const lineMessage = 'must be a single line without NUL or other control characters, nor unpaired surrogates';

/** True when `value` holds nothing Postgres refuses and no invisible control characters; tab, LF and CR allowed. */
export function isCleanText(value: string): boolean {
  return !forbiddenInText.test(value);
}

/** True when `value` is one line of clean text (no control characters at all). */
export function isCleanLine(value: string): boolean {
  return !forbiddenInLine.test(value);
}

/**
 * Free text (notes, reasons), trimmed: tab and line breaks allowed inside. Chain `.min()` and
 * `.max()` as usual (they see the trimmed value).
 */
export const textSchema = z.string().trim().refine(isCleanText, { message: textMessage });

/** One line (search terms, filters, codes), trimmed: no control characters at all. */
export const lineSchema = z.string().trim().refine(isCleanLine, { message: lineMessage });
