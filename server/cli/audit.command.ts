import type { AppContext } from '../context.ts';
import { verifyAuditChain } from '../audit/audit.repository.ts';

export const auditUsage = `audit verify       check the audit log's hash chain; names the first broken row`;

/** Exit status 1 (via the thrown error) when the chain is broken, so scripts and cron can alert. */
export async function auditCommand(ctx: AppContext, args: string[], out: (line: string) => void): Promise<void> {
  if (args[0] !== 'verify' || args.length !== 1) throw new Error(`Usage: npm run cli -- ${auditUsage}`);
  const result = await verifyAuditChain(ctx.db);
  if (result.ok) {
    out(`Audit log intact: ${result.rows} rows, every hash and link verified.`);
    return;
  }
  throw new AuditChainBrokenError(
    `Audit log BROKEN at row ${result.brokenAt}: ${result.problem}. (${result.rows - 1} rows before it verified.)`,
  );
}

export class AuditChainBrokenError extends Error {
  override name = 'AuditChainBrokenError';
}
