/**
 * Writes the labels of the generated anomaly scenario, and optionally one key's traffic.
 * Run: npm run build && node dist/bench/anomaly/generate-traffic.js [--seed N --keys N --weeks N --mix pipeline]
 *        [--labels bench/anomaly/labels.json] [--key key_0042 --from 2026-06-15T00:00:00Z --minutes 60 --events]
 * With --key, prints that key's minutes as NDJSON (counts and sources per minute), or with --events the
 * UsageEvent v1 events of those minutes, ready for POST /v1/events.
 */
import { writeFileSync } from 'node:fs';
import { MINUTE_MS } from '@keymeter/domain';
import { parseScenarioArgs } from './cli-options';
import { derivedRandom } from './random';
import { buildScenario, createKeyStream } from './traffic-model';
import { usageEventsForMinute } from './usage-events';

function main(): void {
  const { scenario: options, flags } = parseScenarioArgs(process.argv.slice(2));
  const scenario = buildScenario(options);
  const labelsPath = flags.get('labels') ?? 'bench/anomaly/labels.json';
  const document = {
    seed: options.seed,
    keys: options.keys,
    weeks: options.weeks,
    learningWeeks: options.learningWeeks,
    ...(options.mix === undefined ? {} : { mix: options.mix.name }),
    start: new Date(options.startMs).toISOString(),
    labels: scenario.labels.map(({ id, kind, key, network, start, end, details }) => ({
      id,
      kind,
      key,
      network,
      start,
      end,
      details,
    })),
  };
  writeFileSync(labelsPath, `${JSON.stringify(document, null, 2)}\n`);
  process.stderr.write(`${scenario.labels.length} labels written to ${labelsPath}\n`);

  const keyId = flags.get('key');
  if (keyId === undefined) {
    return;
  }
  const profile = scenario.profiles.find((candidate) => candidate.keyId === keyId);
  if (profile === undefined) {
    throw new RangeError(`--key: no key ${JSON.stringify(keyId)} in a scenario of ${options.keys} keys`);
  }
  const from = flags.has('from')
    ? Math.floor(Date.parse(flags.get('from') ?? '') / MINUTE_MS)
    : scenario.startMinute;
  const minutes = Number(flags.get('minutes') ?? '60');
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(minutes) || minutes < 1) {
    throw new RangeError('--from: must be an ISO date and --minutes a positive whole number');
  }
  const next = createKeyStream(scenario, profile);
  const random = derivedRandom(options.seed, 99);
  for (let minute = scenario.startMinute; minute < Math.min(scenario.endMinute, from + minutes); minute++) {
    const sample = next(minute);
    if (minute < from) {
      continue;
    }
    if (flags.has('events')) {
      for (const event of usageEventsForMinute(profile, minute, sample, random)) {
        process.stdout.write(`${JSON.stringify(event)}\n`);
      }
    } else {
      process.stdout.write(
        `${JSON.stringify({ minute: new Date(minute * MINUTE_MS).toISOString(), ...sample })}\n`,
      );
    }
  }
}

main();
