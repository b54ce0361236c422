/**
 * How big each scenario is. `short` is what CI runs (the whole suite in a few minutes on two
 * cores); `full` (RELIABILITY_PROFILE=full) has the figures of issue #17.
 */
export interface Profile {
  name: 'short' | 'full';
  /**
   * How long the console may take to match Didit once the faults stop: one reconciliation
   * interval (RECONCILE_INTERVAL_MINUTES=1, the shortest the console accepts) plus time for the
   * repairs it queues, which its own Didit budget (90 decision reads a minute) paces.
   */
  convergeBoundMs: number;
  webhookChaos: { sessions: number; trafficMs: number };
  crashes: { sessions: number; trafficMs: number; pushes: number; burst: number; restartAfterMs: number };
  databaseOutage: { sessions: number; trafficMs: number; pushes: number; outageMs: number };
  diditOutage: { decisions: number; outageMs: number };
  concurrency: { trials: number };
  scaleOut: { events: number; connections: number };
}

const short: Profile = {
  name: 'short',
  convergeBoundMs: 100_000,
  webhookChaos: { sessions: 200, trafficMs: 25_000 },
  crashes: { sessions: 150, trafficMs: 25_000, pushes: 40, burst: 100, restartAfterMs: 3_000 },
  databaseOutage: { sessions: 150, trafficMs: 25_000, pushes: 40, outageMs: 5_000 },
  diditOutage: { decisions: 40, outageMs: 10_000 },
  concurrency: { trials: 20 },
  scaleOut: { events: 2_000, connections: 16 },
};

const full: Profile = {
  name: 'full',
  convergeBoundMs: 240_000,
  webhookChaos: { sessions: 2_000, trafficMs: 180_000 },
  crashes: { sessions: 1_000, trafficMs: 120_000, pushes: 200, burst: 500, restartAfterMs: 5_000 },
  databaseOutage: { sessions: 1_000, trafficMs: 120_000, pushes: 200, outageMs: 20_000 },
  diditOutage: { decisions: 200, outageMs: 30_000 },
  concurrency: { trials: 100 },
  scaleOut: { events: 20_000, connections: 32 },
};

export function profileFromEnv(value = process.env['RELIABILITY_PROFILE']): Profile {
  if (value === undefined || value === '' || value === 'short') return short;
  if (value === 'full') return full;
  throw new Error(`RELIABILITY_PROFILE must be short or full, got "${value}"`);
}
