import pg from 'pg';

/**
 * The at-rest scan of issue 19: the console keeps Didit's short-lived links, never image bytes,
 * and never writes a signed link to a log or an export. These functions look for the traces either
 * would leave in a database row, a log line or a CSV, so a test can show there are none (and, on
 * planted data, that it would see them).
 */

/** One trace found: where (table.column, log line, export), which pattern, and a short excerpt around it. */
export interface Finding {
  where: string;
  pattern: string;
  excerpt: string;
}

interface Pattern {
  name: string;
  regex: RegExp;
  /** Also looked for in a bytea column's bytes (read as Latin-1): an ASCII trace. */
  inBytes: boolean;
}

/**
 * Image data in text: base64 (standard and URL-safe) of the JPEG and PNG magic numbers at the start
 * of an encoded value (where an encoded file begins), data URLs, a bytea's hex as `row_to_json`
 * renders it, and raw magic bytes decoded as Latin-1.
 */
const imagePatterns: Pattern[] = [
  { name: 'base64 JPEG', regex: /(?<![A-Za-z0-9+/])\/9j\/[A-Za-z0-9+/]{4}/, inBytes: true },
  { name: 'base64url JPEG', regex: /(?<![A-Za-z0-9_-])_9j_[A-Za-z0-9_-]{4}/, inBytes: true },
  { name: 'base64 PNG', regex: /iVBORw0KGgo/, inBytes: true },
  { name: 'data URL image', regex: /data:image\/|data%3Aimage%2F/i, inBytes: true },
  { name: 'hex JPEG', regex: /\\x\s*ffd8ff/i, inBytes: true },
  { name: 'hex PNG', regex: /89504e470d0a1a0a/i, inBytes: true },
  { name: 'JPEG magic as text', regex: /\u00ff\u00d8\u00ff/, inBytes: false },
  // eslint-disable-next-line no-control-regex -- the PNG signature contains control characters
  { name: 'PNG magic as text', regex: /\u0089PNG\r\n\u001a\n/, inBytes: false },
];

/**
 * A signed media link: a URL on a media path (Didit's and the sandbox's `/media/…`), or any query
 * string with a signature or token parameter (S3's `X-Amz-*`, CloudFront's, `token=`,
 * `signature=`), plain or percent-encoded.
 */
const signedLinkPatterns: Pattern[] = [
  { name: 'media URL', regex: /https?:\/\/[^\s"'<>]+\/media\/[^\s"'<>]*/i, inBytes: true },
  {
    name: 'signed query parameter',
    regex: /(?:[?&]|%3F|%26|\\u0026)(?:X-Amz-[\w-]+|[\w-]*signature|[\w-]*token|sig|Expires|Key-Pair-Id|Policy)(?:=|%3D)/i,
    inBytes: true,
  },
  { name: 'S3 presign field', regex: /X-Amz-(?:Signature|Security-Token|Credential)/i, inBytes: true },
];

const jpegMagic = Buffer.from([0xff, 0xd8, 0xff]);
const pngMagic = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface TextScanOptions {
  /** Look for signed media links too (logs, exports); a database row may hold Didit's links. */
  signedLinks?: boolean;
  /** Any http(s) URL on these origins is a finding (an export must not point at the media host). */
  origins?: readonly string[];
}

function excerptAround(text: string, index: number, length: number): string {
  const start = Math.max(0, index - 30);
  const raw = text.slice(start, Math.min(text.length, index + Math.min(length, 60) + 30));
  // Escaped, so a finding in a report never carries control characters or bytes.
  return JSON.stringify(raw).slice(1, -1);
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Image data (and, with `signedLinks`/`origins`, signed or media-host links) in a text. */
export function scanText(text: string, where: string, options: TextScanOptions = {}): Finding[] {
  const patterns = [...imagePatterns, ...(options.signedLinks ? signedLinkPatterns : [])];
  for (const origin of options.origins ?? []) {
    patterns.push({ name: `link to ${origin}`, regex: new RegExp(escapeRegExp(origin), 'i'), inBytes: true });
  }
  const findings: Finding[] = [];
  for (const { name, regex } of patterns) {
    const match = regex.exec(text);
    if (match) findings.push({ where, pattern: name, excerpt: excerptAround(text, match.index, match[0].length) });
  }
  return findings;
}

/** Image data in raw bytes: JPEG and PNG magic numbers anywhere, and the ASCII traces of `scanText`. */
export function scanBytes(bytes: Buffer, where: string, options: TextScanOptions = {}): Finding[] {
  const findings: Finding[] = [];
  for (const [name, magic] of [
    ['JPEG magic', jpegMagic],
    ['PNG magic', pngMagic],
  ] as const) {
    const index = bytes.indexOf(magic);
    if (index >= 0) {
      findings.push({ where, pattern: name, excerpt: bytes.subarray(index, index + 16).toString('hex') });
    }
  }
  const latin1 = bytes.toString('latin1');
  const asciiNames = new Set([...imagePatterns, ...signedLinkPatterns].filter((p) => p.inBytes).map((p) => p.name));
  for (const finding of scanText(latin1, where, options)) {
    if (asciiNames.has(finding.pattern) || finding.pattern.startsWith('link to ')) findings.push(finding);
  }
  return findings;
}

/**
 * One row as the database scan reads it: every column of `row_to_json(t)` (jsonb and json
 * included, as their JSON text) and the raw bytes of every bytea column. Findings name the column.
 */
export function scanRow(
  where: string,
  columns: Record<string, unknown>,
  byteaColumns: Record<string, Buffer | null> = {},
): Finding[] {
  const findings: Finding[] = [];
  for (const [column, value] of Object.entries(columns)) {
    if (value === null || value === undefined) continue;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    findings.push(...scanText(text, `${where}.${column}`));
  }
  for (const [column, bytes] of Object.entries(byteaColumns)) {
    if (bytes) findings.push(...scanBytes(bytes, `${where}.${column}`));
  }
  return findings;
}

/** What a database scan saw, so a test can show it was not vacuous. */
export interface DatabaseScan {
  database: string;
  /** `schema.table` → rows read. */
  tables: Map<string, number>;
  rows: number;
  byteaColumns: string[];
  /** One finding per column and pattern (the first row's excerpt), with how many rows had it. */
  findings: Array<Finding & { rows: number }>;
}

const tablesQuery = `
  select n.nspname as schema, c.relname as table,
         coalesce(array_agg(a.attname::text order by a.attnum) filter (where a.attname is not null), '{}'::text[]) as bytea_columns
  from pg_class c
  join pg_namespace n on n.oid = c.relnamespace
  left join pg_attribute a
    on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
   and (a.atttypid = 'bytea'::regtype or a.atttypid in (select oid from pg_type where typtype = 'd' and typbasetype = 'bytea'::regtype))
  where c.relkind in ('r', 'm')
    and n.nspname not in ('pg_catalog', 'information_schema')
    and n.nspname not like 'pg\\_toast%'
    and n.nspname not like 'pg\\_temp%'
  group by n.nspname, c.relname
  order by n.nspname, c.relname`;

/**
 * Reads every row of every table (and materialized view) in every non-system schema of the
 * database at `url`, and scans each with `scanRow`. Large objects (`pg_largeobject`, a system
 * catalog that could hold any file) count as findings too.
 */
export async function scanDatabase(url: string): Promise<DatabaseScan> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const database = new URL(url).pathname.slice(1);
  const scan: DatabaseScan = { database, tables: new Map(), rows: 0, byteaColumns: [], findings: [] };
  const byKey = new Map<string, Finding & { rows: number }>();
  const record = (finding: Finding) => {
    const key = `${finding.where}\u0000${finding.pattern}`;
    const seen = byKey.get(key);
    if (seen) seen.rows++;
    else byKey.set(key, { ...finding, rows: 1 });
  };
  try {
    // One snapshot for the whole scan, read only.
    await client.query('begin isolation level repeatable read read only');
    const tables = await client.query<{ schema: string; table: string; bytea_columns: string[] }>(tablesQuery);
    for (const { schema, table, bytea_columns: bytea } of tables.rows) {
      const relation = `${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(table)}`;
      const byteaSelect = bytea.map((column, i) => `, t.${pg.escapeIdentifier(column)} as "b${i}"`).join('');
      const result = await client.query<Record<string, unknown>>(
        `select row_to_json(t)::text as "j"${byteaSelect} from ${relation} t`,
      );
      const where = `${database}:${schema}.${table}`;
      scan.tables.set(`${schema}.${table}`, result.rowCount ?? 0);
      scan.rows += result.rowCount ?? 0;
      for (const column of bytea) scan.byteaColumns.push(`${schema}.${table}.${column}`);
      for (const row of result.rows) {
        const columns = JSON.parse(String(row['j'])) as Record<string, unknown>;
        const bytes = Object.fromEntries(bytea.map((column, i) => [column, (row[`b${i}`] as Buffer | null) ?? null]));
        // The whole row's text too, as the issue words it; a hit there is attributed to its column above.
        const rowText = scanText(String(row['j']), where);
        const perColumn = scanRow(where, columns, bytes);
        for (const finding of perColumn) record(finding);
        for (const finding of rowText) {
          if (!perColumn.some((f) => f.pattern === finding.pattern)) record({ ...finding, where: `${where}.(row)` });
        }
      }
    }
    const largeObjects = await client.query<{ count: string }>('select count(*)::text as count from pg_largeobject_metadata');
    if (Number(largeObjects.rows[0]?.count) > 0) {
      record({ where: `${database}:pg_largeobject`, pattern: 'large object', excerpt: `${largeObjects.rows[0]?.count} objects` });
    }
    await client.query('commit');
  } finally {
    await client.end();
  }
  scan.findings = [...byKey.values()];
  return scan;
}

/** A log line's pino level, or info for a line that is not pino's JSON (printed whatever the level). */
function levelOf(line: string): number {
  if (!line.startsWith('{')) return 30;
  try {
    const level = (JSON.parse(line) as { level?: unknown }).level;
    return typeof level === 'number' ? level : 30;
  } catch {
    return 30;
  }
}

/** Image data and signed media links in captured process output, by line. */
export function scanLog(output: string, name = 'log'): Finding[] {
  const findings: Finding[] = [];
  output.split('\n').forEach((line, index) => {
    findings.push(...scanText(line, `${name}:${index + 1}`, { signedLinks: true }));
  });
  return findings;
}

/**
 * Lines at `minLevel` or above (pino's numbers: 30 info) that contain one of `values` as a whole
 * token (a demo user id such as `user-0001` does not match inside `user-00012`).
 */
export function linesWithValues(output: string, values: readonly string[], minLevel = 30, name = 'log'): Finding[] {
  if (values.length === 0) return [];
  const regex = new RegExp(`(?<![\\w-])(?:${values.map(escapeRegExp).join('|')})(?![\\w-])`);
  const findings: Finding[] = [];
  output.split('\n').forEach((line, index) => {
    const match = regex.exec(line);
    if (match && levelOf(line) >= minLevel) {
      findings.push({ where: `${name}:${index + 1}`, pattern: `value ${match[0]}`, excerpt: line.slice(0, 300) });
    }
  });
  return findings;
}
