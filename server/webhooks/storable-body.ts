import { isUtf8 } from 'node:buffer';

/**
 * What the receiver can store of a signed body. JSON allows what Postgres's `jsonb` refuses: a
 * `\u0000` (Python writes one for a NUL in any string, say a name read from a document), a lone
 * surrogate (`\ud800`), a number beyond `numeric` (`1e999999`). None of those changes what the
 * delivery says about a session, and a retry would be refused the same way, so such a body is
 * stored as an event with those values replaced (U+FFFD for characters, what JSON.parse read for
 * numbers) and its signed bytes kept beside it (`webhook_event.raw_body`).
 */

/** Deeper than this, a body is not Didit's (its decisions nest about 6 levels) and is not stored as an event. */
export const MAX_WEBHOOK_DEPTH = 64;

/** What `inspectJson` found in a body. */
export interface JsonInspection {
  /** Arrays and objects nest deeper than the limit (the scan stopped there). */
  tooDeep: boolean;
  /** A `\u0000` or surrogate escape inside a string. */
  suspectEscape: boolean;
  /** A number whose exponent has four digits or more (beyond a double, perhaps beyond `numeric`). */
  hugeExponent: boolean;
}

/**
 * One pass over the bytes of a body that parsed as JSON (no recursion, so no stack to overflow
 * however deep it goes): whether arrays and objects nest deeper than `depthLimit`, and whether it
 * holds anything jsonb may refuse: a `\u0000` or surrogate escape in a string (paired surrogates,
 * such as Python's escaped emoji, are fine but flagged for a closer look) or a number with an
 * exponent of four digits or more. Brackets and letters inside strings do not count.
 */
export function inspectJson(body: Uint8Array, depthLimit: number): JsonInspection {
  let depth = 0;
  let inString = false;
  let suspectEscape = false;
  let hugeExponent = false;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i];
    if (inString) {
      if (byte === 0x5c) {
        // `\uXXXX`: NUL or a surrogate; any other escape is one byte to skip.
        if (body[i + 1] === 0x75 && !suspectEscape) {
          const code = Number.parseInt(String.fromCharCode(...body.subarray(i + 2, i + 6)), 16);
          if (code === 0 || (code >= 0xd800 && code <= 0xdfff)) suspectEscape = true;
        }
        i++;
      } else if (byte === 0x22) inString = false;
    } else if (byte === 0x22) inString = true;
    else if (byte === 0x5b || byte === 0x7b) {
      if (++depth > depthLimit) return { tooDeep: true, suspectEscape, hugeExponent };
    } else if (byte === 0x5d || byte === 0x7d) depth--;
    else if ((byte === 0x65 || byte === 0x45) && !hugeExponent) {
      // An exponent (outside a string, an `e` is only ever one): count its digits.
      let j = i + 1;
      if (body[j] === 0x2b || body[j] === 0x2d) j++;
      let digits = 0;
      while (j < body.length && (body[j] ?? 0) >= 0x30 && (body[j] ?? 0) <= 0x39) {
        digits++;
        j++;
      }
      if (digits >= 4) hugeExponent = true;
    }
  }
  return { tooDeep: false, suspectEscape, hugeExponent };
}

/** Whether the JSON text nests arrays and objects deeper than `limit` (see `inspectJson`). */
export function nestsDeeperThan(body: Uint8Array, limit: number): boolean {
  return inspectJson(body, limit).tooDeep;
}

export interface StorableBody {
  /** The payload to apply: the parsed body, or a copy with refused values replaced. */
  payload: unknown;
  /** `payload` as JSON text for the `jsonb` column. */
  json: string;
  /** True when `json` is not the body as received (the caller keeps the raw bytes too). */
  altered: boolean;
}

// eslint-disable-next-line no-control-regex -- NUL is what jsonb refuses
const loneSurrogateOrNul = /[\p{Cs}\u0000]/gu;

/**
 * `payload` is `JSON.parse(text)` of the signed body `raw`, and `inspection` what `inspectJson`
 * found in it. Bytes that are not UTF-8 were already replaced by U+FFFD when decoding `text`.
 */
export function storableBody(raw: Buffer, text: string, payload: unknown, inspection: JsonInspection): StorableBody {
  const notUtf8 = !isUtf8(raw);
  if (!inspection.suspectEscape && !inspection.hugeExponent) return { payload, json: text, altered: notUtf8 };
  let changed = false;
  const clean = (value: string): string => {
    const replaced = value.replace(loneSurrogateOrNul, '\ufffd');
    if (replaced !== value) changed = true;
    return replaced;
  };
  const cleaned = cleanValue(payload, clean);
  if (!changed && !inspection.hugeExponent) return { payload, json: text, altered: notUtf8 };
  // Re-serialised: a huge exponent is written as JSON.parse read it (null for ±Infinity, 0 below the doubles).
  return { payload: cleaned, json: JSON.stringify(cleaned), altered: true };
}

/** A copy with every string and key passed through `clean`. Depth is bounded by the caller's check. */
function cleanValue(value: unknown, clean: (value: string) => string): unknown {
  if (typeof value === 'string') return clean(value);
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (Array.isArray(value)) return value.map((item: unknown) => cleanValue(item, clean));
  if (value !== null && typeof value === 'object') {
    // fromEntries defines own properties, so a "__proto__" key stays a key.
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [clean(key), cleanValue(item, clean)]));
  }
  return value;
}
