import { loadConfig } from './config.ts';
import { createContext, type AppContext } from './context.ts';
import { migrateCommand, migrateUsage } from './cli/migrate.command.ts';
import { auditCommand, auditUsage } from './cli/audit.command.ts';
import { tokenCommand, tokenUsage } from './cli/token.command.ts';
import { failStartup } from './shutdown.ts';
import { syncCommand, syncUsage } from './sync/sync.command.ts';
import { retentionCommand, retentionUsage } from './privacy/retention.command.ts';
import { eraseCommand, eraseUsage } from './privacy/erasure.command.ts';

type Command = (ctx: AppContext, args: string[], out: (line: string) => void) => Promise<void>;

const commands: Record<string, Command> = {
  migrate: migrateCommand,
  token: tokenCommand,
  audit: auditCommand,
  sync: syncCommand,
  retention: retentionCommand,
  erase: eraseCommand,
};

const usage = `Usage: npm run cli -- <command> [options]

  ${migrateUsage}
  ${tokenUsage}
  ${auditUsage}
  ${syncUsage}
  ${retentionUsage}
  ${eraseUsage}

Uses DATABASE_URL, or the embedded Postgres under DATA_DIR when it is unset.`;

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  const command = name ? commands[name] : undefined;
  if (!command) {
    process.stderr.write(`${name && name !== '--help' ? `Unknown command: ${name}\n\n` : ''}${usage}\n`);
    return name && name !== '--help' ? 2 : 0;
  }
  // The CLI talks to people: warnings and errors only, unless LOG_LEVEL says otherwise.
  const config = loadConfig({ LOG_LEVEL: 'warn', ...process.env });
  const ctx = await createContext(config, { applicationName: 'review-console-cli' });
  try {
    await command(ctx, args, (line) => process.stdout.write(`${line}\n`));
    return 0;
  } finally {
    await ctx.close();
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code), failStartup);
