import type { Scenario } from '../harness/scenario.ts';
import { concurrency } from './concurrency.ts';
import { crashes } from './crashes.ts';
import { databaseOutage } from './database-outage.ts';
import { diditOutage } from './didit-outage.ts';
import { erasure } from './erasure.ts';
import { scaleOut } from './scale-out.ts';
import { webhookChaos } from './webhook-chaos.ts';

/** Every scenario, in the order a full run takes them. */
export const scenarios: readonly Scenario[] = [
  webhookChaos,
  crashes,
  databaseOutage,
  diditOutage,
  erasure,
  concurrency,
  scaleOut,
];
