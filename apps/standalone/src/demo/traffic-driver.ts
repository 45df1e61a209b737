import { setTimeout as sleep } from 'node:timers/promises';
import type { Progress } from '@keymeter/platform';
import type { GatewayClient } from './gateway-client';
import type { DemoKeyRole, PlannedCall } from './traffic-plan';
import { describeTally, record, type TrafficTally } from './traffic-tally';

export interface DriveOptions {
  readonly plan: readonly PlannedCall[];
  readonly client: GatewayClient;
  readonly keys: Readonly<Record<DemoKeyRole, string>>;
  /** Source address of the `new_network` calls. */
  readonly newNetworkAddress: string;
  readonly tally: TrafficTally;
  readonly progress: Progress;
  readonly signal: AbortSignal;
}

/**
 * Sends each planned call at its time (without waiting for earlier ones, as independent clients do),
 * counts the answers and keeps the progress line up to date. Stops scheduling when aborted; waits for
 * the calls in flight either way.
 */
export async function driveTraffic(options: DriveOptions): Promise<void> {
  const { plan, client, keys, tally, progress, signal } = options;
  const startedAt = Date.now();
  const inFlight = new Set<Promise<void>>();
  // The tally may already hold earlier calls (each key's first call): they count in the bar as well, so
  // the bar, its per-outcome counts and the printed summary all say the same.
  const total = tally.calls + plan.length;
  progress.update(tally.calls, total, describeTally(tally));
  for (const call of plan) {
    const wait = startedAt + call.atMs - Date.now();
    if (wait > 0) await sleep(wait, undefined, { signal }).catch(() => undefined);
    if (signal.aborted) break;
    const newNetwork = call.kind === 'new_network';
    const sent = client
      .call(call.path, keys[call.key], newNetwork ? options.newNetworkAddress : undefined)
      .then(
        (answer) => record(tally, answer.status, answer.body, newNetwork),
        () => record(tally, undefined, '', newNetwork),
      )
      .then(() => {
        inFlight.delete(sent);
        progress.update(tally.calls, total, describeTally(tally));
      });
    inFlight.add(sent);
  }
  await Promise.all(inFlight);
  progress.finish();
}
