/**
 * Didit's canonical webhook JSON (docs/didit-contract.md §13), rebuilt from the contract: what Python's
 * `json.dumps(shorten_floats(payload), sort_keys=True, separators=(",", ":"))` produces, with
 * `ensure_ascii=False` for `X-Signature-V2` (non-ASCII emitted literally) or `True` for the
 * ASCII-escaped wire form.
 *
 * An explicit serializer, not `JSON.stringify` of a sorted copy: JavaScript objects put
 * integer-like keys ("2", "10") first whatever the insertion order, and sort UTF-16 code units,
 * not code points.
 */

export interface CanonicalOptions {
  /** `true`: escape every non-ASCII character as `\uXXXX` (Python's default `ensure_ascii`). */
  asciiOnly: boolean;
}

export function diditCanonicalJson(value: unknown, options: CanonicalOptions): string {
  const out: string[] = [];
  write(value, options.asciiOnly, out);
  return out.join('');
}

function write(value: unknown, asciiOnly: boolean, out: string[]): void {
  if (value === null) {
    out.push('null');
    return;
  }
  switch (typeof value) {
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'number':
      out.push(pythonNumber(value));
      return;
    case 'string':
      out.push(pythonString(value, asciiOnly));
      return;
    case 'object':
      break;
    default:
      throw new TypeError(`Cannot canonicalise a ${typeof value}`);
  }
  if (Array.isArray(value)) {
    out.push('[');
    value.forEach((item, index) => {
      if (index > 0) out.push(',');
      write(item, asciiOnly, out);
    });
    out.push(']');
    return;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort(compareCodePoints);
  out.push('{');
  keys.forEach((key, index) => {
    if (index > 0) out.push(',');
    out.push(pythonString(key, asciiOnly), ':');
    write(record[key], asciiOnly, out);
  });
  out.push('}');
}

/** Python sorts `str` by code point; JavaScript's default sort compares UTF-16 code units. */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.codePointAt(i) ?? 0;
    const y = b.codePointAt(i) ?? 0;
    if (x !== y) return x - y;
    if (x > 0xffff) i++; // both are the same astral character: skip its low surrogate
  }
  return a.length - b.length;
}

/**
 * `shorten_floats` then Python's `repr`: a whole float prints as an integer (95.0 → 95, as
 * JavaScript does anyway); other floats use the shortest round-trip digits, which both languages
 * share, but Python switches to exponent form below 1e-4 (`1e-05`), JavaScript only below 1e-6.
 */
export function pythonNumber(value: number): string {
  if (!Number.isFinite(value)) throw new TypeError('NaN and Infinity are not JSON');
  if (Number.isInteger(value)) {
    // Python ints never use exponent notation.
    return Math.abs(value) < 1e21 ? String(value === 0 ? 0 : value) : BigInt(value).toString();
  }
  const [mantissa = '', exponentText = '0'] = value.toExponential().split('e');
  const exponent = Number(exponentText);
  if (exponent < -4) {
    const sign = exponent < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  return String(value);
}

// Controls are fine here: JSON.stringify escapes them as Python does.
// eslint-disable-next-line no-control-regex
const printableAscii = /^[\x00-\x7e]*$/;
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const shortEscapes: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

/** Python's string encoder: short escapes, `\u00XX` for other controls, optionally ASCII-only. */
export function pythonString(value: string, asciiOnly: boolean): string {
  // Fast path (almost every string): JSON.stringify escapes exactly as Python does for quotes,
  // backslashes and controls (short forms, else lowercase \u00XX); it differs only on what
  // `ensure_ascii` escapes and on lone surrogates, which the slow path handles.
  if (asciiOnly ? printableAscii.test(value) : !loneSurrogate.test(value)) return JSON.stringify(value);
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const ch = value.charAt(i);
    const code = value.charCodeAt(i);
    const short = shortEscapes[ch];
    if (short !== undefined) out += short;
    else if (code < 0x20 || (asciiOnly && code > 0x7e)) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}
