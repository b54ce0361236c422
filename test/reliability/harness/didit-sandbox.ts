import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { freePort } from '../../helpers/free-port.ts';
import { faceMatchWorkflow } from '../../helpers/didit-workflows.ts';
import { baseEnv, ManagedProcess } from './managed-process.ts';

/**
 * The emulated Didit: its process, and a client for what the suite does with it. Through `/v3`
 * (the console's API key) the suite creates sessions and changes feature statuses the way other
 * Didit users would, and reads Didit's truth; through `/sandbox` it plays the end users and sets
 * faults. `/v3` calls retry the injected 503s and 429s: the suite's own calls must not fail
 * because of the faults it injects into the console's.
 */

export interface SandboxStart {
  repoRoot: string;
  runDir: string;
  webhookUrl: string;
  webhookSecret: string;
  seed: number;
  /** Didit retries a failed delivery after 1 and 4 minutes; the suite compresses time tenfold. */
  retryDelaysMs: readonly [number, number];
}

export async function startDiditSandbox(options: SandboxStart): Promise<{ sandboxProcess: ManagedProcess; didit: DiditSandbox }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const apiKey = `reliability-${options.seed}`;
  const sandboxProcess = new ManagedProcess({
    name: 'sandbox',
    // `--name=value`: a secret may start with a dash, which parseArgs would take for an option.
    args: [
      'test/reliability/harness/sandbox-main.ts',
      `--port=${port}`,
      `--api-key=${apiKey}`,
      `--seed=${options.seed}`,
      `--webhook-url=${options.webhookUrl}`,
      `--webhook-secret=${options.webhookSecret}`,
      `--retry-delays=${options.retryDelaysMs.join(',')}`,
    ],
    env: baseEnv(),
    readyUrl: `${url}/sandbox/health`,
    logFile: path.join(options.runDir, 'sandbox.log'),
    cwd: options.repoRoot,
  });
  await sandboxProcess.start();
  return { sandboxProcess, didit: new DiditSandbox(url, apiKey) };
}

const featureResultSchema = z.object({ status: z.string().nullable(), score: z.number().nullable() });

/** The parts of Didit's decision (docs/didit-contract.md (decision)) the suite compares. */
const diditDecisionSchema = z.object({
  session_id: z.string(),
  status: z.string(),
  liveness_checks: z.array(featureResultSchema).nullable(),
  face_matches: z.array(featureResultSchema).nullable(),
  reviews: z.array(z.object({ user: z.string().nullable(), new_status: z.string().nullable() })),
});
export type DiditDecision = z.infer<typeof diditDecisionSchema>;

const deliverySchema = z.object({
  session_id: z.string(),
  webhook_type: z.string(),
  status: z.string(),
  state: z.enum(['pending', 'delivered', 'failed', 'dropped']),
  resend_of: z.string().nullable(),
  created_at: z.string(),
});
export type DeliveryRecord = z.infer<typeof deliverySchema>;

const recordedRequestSchema = z.object({
  id: z.number(),
  at: z.string(),
  method: z.string(),
  path: z.string(),
  body: z.unknown(),
  /** Null while in progress, and when the caller went away before the answer (`aborted`). */
  status: z.number().nullable(),
  aborted: z.boolean().optional(),
});
export type RecordedRequest = z.infer<typeof recordedRequestSchema>;

/** The session an accepted (2xx) decision push went to: `PATCH /v3/session/{id}/update-status/`. */
export function acceptedPushTo(request: RecordedRequest): string | undefined {
  if (request.status == null || request.status < 200 || request.status >= 300) return undefined;
  return /^\/v3\/session\/([^/]+)\/update-status\/$/.exec(request.path)?.[1];
}

/** Fault settings in the control API's snake_case form (server/didit-sandbox/faults.ts). */
export interface Faults {
  webhook_drop_rate?: number;
  webhook_duplicate_rate?: number;
  webhook_delay_rate?: number;
  webhook_delay_min_ms?: number;
  webhook_delay_max_ms?: number;
  api_error_rate?: number;
  api_rate_limit_rate?: number;
  api_latency_min_ms?: number;
  api_latency_max_ms?: number;
}

const noFaults: Required<Faults> = {
  webhook_drop_rate: 0,
  webhook_duplicate_rate: 0,
  webhook_delay_rate: 0,
  webhook_delay_min_ms: 0,
  webhook_delay_max_ms: 0,
  api_error_rate: 0,
  api_rate_limit_rate: 0,
  api_latency_min_ms: 0,
  api_latency_max_ms: 0,
};

export type FeatureNode = 'feature_liveness' | 'feature_face_match';

export class DiditSandbox {
  constructor(
    readonly url: string,
    readonly apiKey: string,
    /** How long a `/v3` call keeps retrying injected 503s and 429s at least (0: 50 quick tries, ~10 s). */
    private readonly patienceMs = 0,
  ) {}

  /**
   * The same Didit, for calls that must wait out an outage the suite injects (Didit's end users
   * keep coming while its API is down): they retry, unhurried, for at least `ms`.
   */
  patient(ms: number): DiditSandbox {
    return new DiditSandbox(this.url, this.apiKey, ms);
  }

  get origin(): string {
    return new URL(this.url).origin;
  }

  /** A liveness + face-match workflow (review 70, decline 50); returns its group id. */
  async createWorkflow(label: string): Promise<string> {
    const body = await this.call('POST', '/v3/workflows/', faceMatchWorkflow(label));
    return z.object({ workflow_id: z.string() }).parse(body).workflow_id;
  }

  async portrait(person: string): Promise<string> {
    const body = await this.call('GET', `/sandbox/portrait?person=${encodeURIComponent(person)}`);
    return z.object({ portrait_image: z.string() }).parse(body).portrait_image;
  }

  async createSession(workflowId: string, vendorData: string, portrait: string): Promise<string> {
    const body = await this.call('POST', '/v3/session/', {
      workflow_id: workflowId,
      vendor_data: vendorData,
      portrait_image: portrait,
    });
    return z.object({ session_id: z.string() }).parse(body).session_id;
  }

  /** The end user opens the link. */
  async open(sessionId: string): Promise<void> {
    await this.call('POST', `/sandbox/sessions/${sessionId}/open`);
  }

  /** The end user finishes the capture with these scores (Didit scores them against the workflow). */
  async complete(sessionId: string, scores: { liveness: number; faceMatch: number }): Promise<void> {
    await this.call('POST', `/sandbox/sessions/${sessionId}/complete`, {
      capture: 'match',
      liveness_score: scores.liveness,
      face_match_score: scores.faceMatch,
    });
  }

  async abandon(sessionId: string): Promise<void> {
    await this.call('POST', `/sandbox/sessions/${sessionId}/abandon`);
  }

  /** Someone changes one feature's status in Didit: a `data.updated`, the session's status unchanged. */
  async setFeatureStatus(sessionId: string, node: FeatureNode, status: 'Approved' | 'Declined'): Promise<void> {
    await this.call('PATCH', `/v3/session/${sessionId}/features/${node}/update-status/`, { new_status: status });
  }

  async decision(sessionId: string): Promise<DiditDecision> {
    return diditDecisionSchema.parse(await this.call('GET', `/v3/session/${sessionId}/decision/`));
  }

  /** Whether Didit still holds the session: a deleted one answers 404 to every read. */
  async holds(sessionId: string): Promise<boolean> {
    return (await this.call('GET', `/v3/session/${sessionId}/decision/`, undefined, { notFound: 'null' })) !== null;
  }

  /** The sessions Didit lists with exactly this vendor data (its list filter), deleted ones not. */
  async sessionsOf(vendorData: string): Promise<string[]> {
    const body = await this.call('GET', `/v3/sessions/?vendor_data=${encodeURIComponent(vendorData)}&limit=1000`);
    return z
      .object({ results: z.array(z.object({ session_id: z.string() })) })
      .parse(body)
      .results.map((row) => row.session_id);
  }

  /** A reviewer in Didit's own console decides the session: a delivery to the console, no `/v3` call. */
  async consoleDecision(sessionId: string, status: 'Approved' | 'Declined'): Promise<void> {
    await this.call('POST', `/sandbox/sessions/${sessionId}/console-decision`, { new_status: status });
  }

  /** Sets these faults; every other one off. */
  async setFaults(faults: Faults): Promise<void> {
    await this.call('PUT', '/sandbox/faults', { ...noFaults, ...faults });
  }

  async clearFaults(): Promise<void> {
    await this.setFaults({});
  }

  async deliveries(): Promise<DeliveryRecord[]> {
    return z.array(deliverySchema).parse(await this.call('GET', '/sandbox/deliveries'));
  }

  /** Every recorded `PATCH /v3/session/…` (decision pushes and feature updates alike). */
  async sessionPatches(): Promise<RecordedRequest[]> {
    const body = await this.call('GET', '/sandbox/requests?method=PATCH&path_prefix=/v3/session/&limit=10000');
    return z.array(recordedRequestSchema).parse(body);
  }

  private async call(
    method: string,
    pathAndQuery: string,
    body?: unknown,
    options: { notFound?: 'throw' | 'null' } = {},
  ): Promise<unknown> {
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      const res = await fetch(`${this.url}${pathAndQuery}`, {
        method,
        headers: { 'x-api-key': this.apiKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await res.text();
      if (res.ok) return text ? JSON.parse(text) : null;
      if (res.status === 404 && options.notFound === 'null') return null;
      // Only the injected faults are retried: both come before the request is handled.
      if ((res.status === 503 || res.status === 429) && (attempt < 50 || Date.now() - started < this.patienceMs)) {
        await sleep(this.patienceMs > 0 ? 300 + Math.random() * 400 : 100 + Math.random() * 200);
        continue;
      }
      throw new Error(`${method} ${pathAndQuery.split('?')[0]} answered ${res.status}: ${text.slice(0, 300)}`);
    }
  }
}
