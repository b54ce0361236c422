/** The environment variables of `npm run sandbox` (main.ts), parsed once. Empty means unset. */
import { z } from 'zod';

const logLimit = z.coerce.number().int().min(1);

const schema = z.object({
  SANDBOX_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
  SANDBOX_API_KEY: z.string().optional(),
  /** Default 1000 (see SandboxOptions.requestLogLimit). */
  SANDBOX_REQUEST_LOG_LIMIT: logLimit.optional(),
  /** Default 5000 (see SandboxOptions.deliveryLogLimit). */
  SANDBOX_DELIVERY_LOG_LIMIT: logLimit.optional(),
});

export type SandboxEnvironment = z.output<typeof schema>;

/** Throws one error naming every bad variable. */
export function parseEnvironment(env: Readonly<Record<string, string | undefined>>): SandboxEnvironment {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = schema.safeParse(present);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  throw new Error(`invalid environment: ${problems.join('; ')}`);
}
