/**
 * Didit's canonical JSON, written from the contract (docs/didit-contract.md (webhook signatures)), not borrowed from the
 * console: Python's `json.dumps(shorten_floats(payload), sort_keys=True, separators=(",", ":"))`
 * with `ensure_ascii` on (the body and X-Signature) or off (X-Signature-V2).
 *
 * Why not `JSON.stringify` of a key-sorted object: JS objects enumerate integer-like keys ("2",
 * "10") before all others whatever the insertion order, and JSON.stringify neither escapes
 * non-ASCII nor formats small floats like Python. So keys, strings and numbers are emitted here.
 */
export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | readonly JsonValue[] | JsonObject;
/** `undefined` members are skipped, like JSON.stringify, so optional fields can be left unset. */
export interface JsonObject {
  readonly [key: string]: JsonValue | undefined;
}

export interface CanonicalOptions {
  /** true: Python's default ensure_ascii=True (non-ASCII as \uXXXX, lowercase hex). */
  asciiOnly: boolean;
}

/** A JSON value as text: strings as they are, anything else in canonical form. */
export function jsonText(value: JsonValue | undefined): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : canonicalJson(value, { asciiOnly: false });
}

export function canonicalJson(value: JsonValue, options: CanonicalOptions): string {
  const parts: string[] = [];
  write(value, options.asciiOnly, parts);
  return parts.join('');
}

function write(value: JsonValue, ascii: boolean, out: string[]): void {
  if (value === null) {
    out.push('null');
  } else if (typeof value === 'boolean') {
    out.push(value ? 'true' : 'false');
  } else if (typeof value === 'number') {
    out.push(formatNumber(value));
  } else if (typeof value === 'string') {
    out.push(quote(value, ascii));
  } else if (isArray(value)) {
    out.push('[');
    value.forEach((item, i) => {
      if (i > 0) out.push(',');
      write(item, ascii, out);
    });
    out.push(']');
  } else {
    out.push('{');
    let first = true;
    for (const key of Object.keys(value).sort(compareCodePoints)) {
      const member = value[key];
      if (member === undefined) continue;
      if (!first) out.push(',');
      first = false;
      out.push(quote(key, ascii), ':');
      write(member, ascii, out);
    }
    out.push('}');
  }
}

function isArray(value: JsonValue): value is readonly JsonValue[] {
  return Array.isArray(value);
}

/**
 * shorten_floats turns 95.0 into 95; a JS number cannot tell them apart, so every integral
 * number is emitted as an integer (BigInt keeps 1e21 in positional form, as Python's int does).
 * Fractions match Python's repr: both print the shortest round-trip digits, and differ only in
 * when they switch to exponent form (Python below 1e-4, with a two-digit exponent: 1e-05).
 */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) throw new TypeError(`Cannot serialise ${n} as JSON`);
  if (Number.isInteger(n)) return BigInt(n).toString();
  const abs = Math.abs(n);
  if (abs >= 1e-4) return String(n);
  const [mantissa = '', exponent = ''] = n.toExponential().split('e');
  const sign = exponent.startsWith('-') ? '-' : '+';
  const digits = exponent.replace(/^[+-]/, '').padStart(2, '0');
  return `${mantissa}e${sign}${digits}`;
}

const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

/**
 * Python escapes `"`, `\`, control characters and, with ensure_ascii, everything outside
 * printable ASCII (0x20–0x7E, so DEL too) as \uXXXX per UTF-16 code unit (surrogate pairs for
 * astral characters). Without ensure_ascii, only `"`, `\` and control characters are escaped.
 */
function quote(s: string, ascii: boolean): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s.charAt(i);
    const code = s.charCodeAt(i);
    const short = SHORT_ESCAPES[ch];
    if (short !== undefined) out += short;
    else if (code < 0x20 || (ascii && code > 0x7e)) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + '"';
}

/** Python sorts str keys by code point; JS's default sort compares UTF-16 code units. */
export function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const ca = ia.next();
    const cb = ib.next();
    if (ca.done || cb.done) return ca.done ? (cb.done ? 0 : -1) : 1;
    const diff = (ca.value.codePointAt(0) ?? 0) - (cb.value.codePointAt(0) ?? 0);
    if (diff !== 0) return diff;
  }
}
