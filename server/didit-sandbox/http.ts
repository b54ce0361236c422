/**
 * HTTP plumbing shared by the routes: Django REST Framework-style errors, zod → DRF field
 * errors, and the limit/offset envelope.
 */
import type { Request } from 'express';
import { z } from 'zod';
import { jsonText, type JsonValue } from './canonical-json.ts';

/** An error answered as-is: `{"detail": ...}` for 401/403/404/429, field-keyed bodies for 400. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: JsonValue,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(typeof body === 'object' && body !== null && 'detail' in body ? jsonText(body['detail']) : `HTTP ${status}`);
  }
}

export const notFound = (): ApiError => new ApiError(404, { detail: 'Not found.' });

export function fieldError(field: string, message: string): ApiError {
  return new ApiError(400, { [field]: [message] });
}

export type DrfErrors = { [key: string]: DrfNode };
type DrfNode = string[] | DrfErrors | DrfNode[];

type Issue = z.core.$ZodIssue;

function describeType(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'list';
  return typeof input === 'object' ? 'dict' : typeof input;
}

/** DRF's stock messages, so clients see the texts Didit's serializers produce. */
export function drfMessage(issue: Issue): string {
  const input = 'input' in issue ? issue.input : undefined;
  // zod 4 reports a missing enum as invalid_value; DRF calls both "required".
  if (input === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_value')) return 'This field is required.';
  switch (issue.code) {
    case 'invalid_type':
      if (input === null) return 'This field may not be null.';
      switch (issue.expected) {
        case 'number':
          return 'A valid number is required.';
        case 'int':
          return 'A valid integer is required.';
        case 'string':
          return 'Not a valid string.';
        case 'boolean':
          return 'Must be a valid boolean.';
        case 'array':
          return `Expected a list of items but got type "${describeType(input)}".`;
        case 'object':
        case 'record':
          return `Invalid data. Expected a dictionary, but got ${describeType(input)}.`;
        default:
          return 'Invalid value.';
      }
    case 'invalid_value':
      return `"${String(input)}" is not a valid choice.`;
    case 'too_big':
      if (issue.origin === 'string') return `Ensure this field has no more than ${String(issue.maximum)} characters.`;
      if (issue.origin === 'array') return `Ensure this field has no more than ${String(issue.maximum)} elements.`;
      return `Ensure this value is less than or equal to ${String(issue.maximum)}.`;
    case 'too_small':
      if (issue.origin === 'string') return 'This field may not be blank.';
      if (issue.origin === 'array') return 'This list may not be empty.';
      return `Ensure this value is greater than or equal to ${String(issue.minimum)}.`;
    case 'invalid_format':
      if (issue.format === 'uuid') return 'Must be a valid UUID.';
      if (issue.format === 'url') return 'Enter a valid URL.';
      if (issue.format === 'email') return 'Enter a valid email address.';
      return 'Invalid value.';
    default:
      return issue.message;
  }
}

/** The message for a key outside a strict whitelist (Didit's wording is not documented). */
export const UNKNOWN_FIELD = 'Unknown field.';

/** Builds DRF's nested error body: `{"features": [{}, {"config": {"x": ["..."]}}]}`. */
export function drfErrors(issues: readonly Issue[], prefix: readonly PropertyKey[] = []): DrfErrors {
  const root: DrfErrors = {};
  for (const issue of issues) {
    const path = [...prefix, ...issue.path].map((p) => (typeof p === 'symbol' ? String(p) : p));
    if (issue.code === 'unrecognized_keys') {
      // A strict whitelist names each key it refuses, where the key would have gone.
      for (const key of issue.keys) addError(root, [...path, key], UNKNOWN_FIELD);
      continue;
    }
    addError(root, path.length > 0 ? path : ['non_field_errors'], drfMessage(issue));
  }
  return root;
}

function addError(root: DrfErrors, path: readonly (string | number)[], message: string): void {
  let node: DrfErrors | DrfNode[] = root;
  path.forEach((segment, i) => {
    const last = i === path.length - 1;
    const nextIsIndex = typeof path[i + 1] === 'number';
    const container = node as Record<string | number, DrfNode>;
    if (Array.isArray(node) && typeof segment === 'number') {
      while (node.length <= segment) node.push({});
    }
    const existing: DrfNode | undefined = container[segment];
    if (last) {
      if (Array.isArray(existing) && existing.every((e) => typeof e === 'string')) existing.push(message);
      else container[segment] = [message];
      return;
    }
    if (existing === undefined || (Array.isArray(existing) && !nextIsIndex)) {
      container[segment] = nextIsIndex ? [] : {};
    }
    node = container[segment] as DrfErrors | DrfNode[];
  });
}

/** Parses with zod and throws a DRF 400 on failure. */
export function validate<S extends z.ZodType>(schema: S, data: unknown): z.output<S> {
  const result = schema.safeParse(data, { reportInput: true });
  if (!result.success) throw new ApiError(400, drfErrors(result.error.issues));
  return result.data;
}

/** DRF's LimitOffsetPagination envelope with absolute next/previous links. */
export function paginate<T>(req: Request, items: readonly T[], limit: number, offset: number) {
  const pageUrl = (newOffset: number): string => {
    const url = new URL(req.originalUrl, `${req.protocol}://${req.get('host') ?? 'localhost'}`);
    url.searchParams.set('limit', String(limit));
    if (newOffset > 0) url.searchParams.set('offset', String(newOffset));
    else url.searchParams.delete('offset');
    return url.toString();
  };
  return {
    count: items.length,
    next: offset + limit < items.length ? pageUrl(offset + limit) : null,
    previous: offset > 0 ? pageUrl(Math.max(0, offset - limit)) : null,
    results: items.slice(offset, offset + limit),
  };
}

export function routeParam(req: Request, name: string): string {
  const value: unknown = req.params[name];
  return typeof value === 'string' ? value : '';
}

/**
 * DRF's IntegerField for JSON numbers: 70 and 70.0 pass, 70.5 and "70" get "A valid integer is
 * required.", then the range check gives DRF's range messages.
 */
export function drfInteger(min: number, max: number) {
  return z
    .custom<number>((v) => typeof v === 'number' && Number.isInteger(v), {
      error: (issue) => (issue.input === null ? 'This field may not be null.' : 'A valid integer is required.'),
    })
    .pipe(z.number().min(min).max(max));
}

/**
 * Django's UUIDField (DRF `format: hex_verbose`): any 32 hex digits, in any case, with or
 * without hyphens, braces or a `urn:uuid:` prefix, as Python's `uuid.UUID(hex=...)` takes them.
 * No RFC 4122 version or variant check. Normalised to lowercase 8-4-4-4-12.
 */
export const uuidField = z.string({ error: 'Must be a valid UUID.' }).transform((value, ctx) => {
  const hex = value
    .replace(/^urn:/i, '')
    .replace(/^uuid:/i, '')
    .replace(/^\{|\}$/g, '')
    .replaceAll('-', '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) {
    ctx.issues.push({ code: 'custom', message: 'Must be a valid UUID.', input: value });
    return z.NEVER;
  }
  const h = hex.toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
});

/** Django's `<uuid:...>` path converter: lowercase 8-4-4-4-12 only; anything else is no route. */
export const PATH_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
