import { parseArgs } from 'node:util';
import type { AppContext } from '../context.ts';
import { formatAuditHead, parseAuditHead, readAuditHead, verifyAuditChain } from '../audit/audit.repository.ts';

export const auditUsage = `audit verify [--expect-head ROWS[:HASH]]
                     check the audit log's keyed hash chain (AUDIT_KEY); names the first broken
                     row. With a checkpoint (the "audit checkpoint" log line, or the
                     audit_chain_rows metric) also proves nothing up to it was cut off or rewritten
  audit head         print the chain's head (ROWS:HASH) to keep somewhere else`;

/** Exit status 1 (via the thrown error) when the chain is broken, so scripts and cron can alert. */
export async function auditCommand(ctx: AppContext, args: string[], out: (line: string) => void): Promise<void> {
  const [sub, ...rest] = args;
  if (sub === 'head' && rest.length === 0) {
    out(formatAuditHead(await readAuditHead(ctx.db)));
    return;
  }
  if (sub !== 'verify') throw new Error(`Usage: npm run cli -- ${auditUsage}`);
  const { values } = parseArgs({ args: rest, options: { 'expect-head': { type: 'string' } }, strict: true });
  const expectHead = values['expect-head'] === undefined ? undefined : parseAuditHead(values['expect-head']);
  const result = await verifyAuditChain(ctx.db, { keys: ctx.auditKeys, expectHead });
  if (result.ok) {
    const unkeyed = result.unkeyedRows > 0 ? ` (the first ${result.unkeyedRows} predate AUDIT_KEY and are unkeyed)` : '';
    const checkpoint = expectHead ? ` It passes through checkpoint ${formatAuditHead(expectHead)}.` : '';
    out(`Audit log intact: ${result.rows} rows, every hash and link verified${unkeyed}.${checkpoint}`);
    out(`Head: ${formatAuditHead(result.head)}`);
    return;
  }
  if (result.brokenAt === null) {
    throw new AuditChainBrokenError(`Audit log BROKEN: ${result.problem}. (The ${result.rows} rows left verified.)`);
  }
  throw new AuditChainBrokenError(
    `Audit log BROKEN at row ${result.brokenAt}: ${result.problem}. (${result.rows - 1} rows before it verified.)`,
  );
}

export class AuditChainBrokenError extends Error {
  override name = 'AuditChainBrokenError';
}
