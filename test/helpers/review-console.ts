import { startSandbox, type RunningSandbox, type SandboxOptions } from '../../server/didit-sandbox/sandbox.ts';
import { faceMatchWorkflow } from './didit-workflows.ts';
import { seedWorkflow } from './seed.ts';
import { startSsoTestConsole, type SsoTestConsole } from './sso.ts';

export interface ReviewConsole {
  app: SsoTestConsole;
  sandbox: RunningSandbox;
  /** A face-match workflow, at Didit and here ("Returning user"). */
  workflowId: string;
}

/**
 * The review loop's test bench: the Didit sandbox with a face-match workflow, and a console
 * (people signed in through the dev IdP) talking to it, with that workflow stored. The caller
 * stops the sandbox (`return () => sandbox.stop()` from its `beforeAll`).
 */
export async function startReviewConsole(
  sandboxOptions: SandboxOptions,
  env: Record<string, string> = {},
): Promise<ReviewConsole> {
  const sandbox = await startSandbox(sandboxOptions);
  const workflow = sandbox.createWorkflow(faceMatchWorkflow());
  const app = await startSsoTestConsole({
    DIDIT_BASE_URL: sandbox.url,
    DIDIT_API_KEY: sandbox.apiKey,
    DIDIT_WEBHOOK_SECRET: 'test-webhook-secret-0123456789',
    ...env,
  });
  const workflowId = (workflow.workflow_id ?? workflow.uuid) as string;
  await seedWorkflow(app.ctx.db, { id: workflowId, label: 'Returning user' });
  return { app, sandbox, workflowId };
}
