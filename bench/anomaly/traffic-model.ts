/**
 * Synthetic per-key minute traffic with labelled anomalies, for evaluating the anomaly detectors (and, later,
 * for driving the real pipeline). Everything is a pure function of the scenario options: the seed decides
 * the keys, their habits, the injected anomalies and every count.
 *
 * Normal traffic per key: a mean rate (log-uniform, 0.02 to 600 calls/min), a daily cycle (peak hour and
 * amplitude), quieter weekends, a slowly wandering level (AR(1) on the log rate), Poisson noise, bursty
 * clients whose calls come in clusters, daily cron batches, background 401/403/429/5xx, and benign churn:
 * new networks, new routes and now and then a new country, key rotations whose clients migrate in time,
 * revocations of keys nobody uses any more, and keys created during the run.
 */
import {
  MINUTE_MS,
  MINUTES_PER_DAY,
  MINUTES_PER_WEEK,
  sourceNetwork,
  type MinuteCounts,
  type MinuteSources,
} from '@keymeter/domain';
import { derivedRandom, exponential, integer, normal, pick, poisson, uniform, type Random } from './random';

export const DEFAULT_SEED = 20260601;

export interface ScenarioOptions {
  readonly seed: number;
  readonly keys: number;
  /** Weeks of traffic in total; the first `learningWeeks` carry no anomalies (the detectors learn). */
  readonly weeks: number;
  readonly learningWeeks: number;
  /** A Monday 00:00 UTC that is also the first of a month, so monthly quotas start with the data. */
  readonly startMs: number;
  /** Another key population and label plan than the default one (see `TrafficMix`). */
  readonly mix?: TrafficMix;
}

/** Labels of one kind per 1,000 keys, on keys whose mean rate lies in `[minRate, maxRate)`. */
export interface MixLabelPlan {
  readonly kind: LabelKind;
  readonly count: number;
  readonly minRate?: number;
  readonly maxRate?: number;
  /** Only keys with a daily request or monthly credit quota. */
  readonly needsQuota?: boolean;
}

/**
 * A key population other than the default log-uniform 0.02–600 calls/min, with its own label plan (e.g. the
 * lighter traffic the real pipeline can carry for weeks): everything else (cycles, noise, batches, churn,
 * how each kind of anomaly is made) is the default scenario's.
 */
export interface TrafficMix {
  readonly name: string;
  /**
   * Shares of the keys (in order, summing to less than 1) whose mean calls per minute are log-uniform over
   * `[min, max]`; the keys are assigned by a fixed permutation of their index, so the classes are spread over
   * the customers. Plain data, so the options pass to worker threads.
   */
  readonly rateClasses: readonly { readonly share: number; readonly min: number; readonly max: number }[];
  /** The other keys: log-normal mean calls per minute (median, sigma of the log), capped at `max`. */
  readonly otherRates: { readonly median: number; readonly sigma: number; readonly max: number };
  readonly labels: readonly MixLabelPlan[];
  /** Credential-stuffing bursts without a key id per 1,000 keys. */
  readonly keylessStuffing: number;
}

export const DEFAULT_SCENARIO: ScenarioOptions = {
  seed: DEFAULT_SEED,
  keys: 1000,
  weeks: 4,
  learningWeeks: 2,
  startMs: Date.UTC(2026, 5, 1),
};

export const LABEL_KINDS = [
  'spike',
  'ramp',
  'drop',
  'credential_stuffing',
  'leaked_key',
  'quota_burn',
  'retired_key_use',
  'upstream_errors',
  'rate_limit_flood',
] as const;
export type LabelKind = (typeof LABEL_KINDS)[number];

export interface AnomalyLabel {
  readonly id: string;
  readonly kind: LabelKind;
  /** The key the anomaly happens on; null for credential stuffing with keys nobody could identify. */
  readonly key: string | null;
  /** The source network of the failures, when they come from one. */
  readonly network: string | null;
  readonly start: string;
  readonly end: string;
  /** Epoch minutes, `[startMinute, endMinute)`. */
  readonly startMinute: number;
  readonly endMinute: number;
  readonly details: Readonly<Record<string, number | string>>;
}

export interface KeyLifecycleEvents {
  readonly rotatedAtMinute: number | null;
  readonly graceEndsMinute: number | null;
  readonly revokedAtMinute: number | null;
}

export interface KeyProfile {
  readonly keyId: string;
  readonly customerId: string;
  readonly index: number;
  /** The key's first minute of traffic (later than the run's start for keys created during it). */
  readonly firstMinute: number;
  /** Average calls per minute over a week of normal traffic. */
  readonly meanRate: number;
  readonly baseRate: number;
  readonly dailyAmplitude: number;
  readonly peakHourUtc: number;
  readonly weekendFactor: number;
  readonly levelSigma: number;
  /** Calls come in clusters of this size (1: independent calls). */
  readonly clusterSize: number;
  readonly cron: {
    readonly minuteOfDay: number;
    readonly minutes: number;
    readonly callsPerMinute: number;
  } | null;
  readonly country: string;
  readonly ipv6: boolean;
  readonly homeNetworks: readonly string[];
  readonly routes: readonly string[];
  readonly networkChurnMinutes: number;
  readonly routeChurnMinutes: number;
  readonly countryChurnMinutes: number;
  readonly creditsPerCall: number;
  readonly requestsPerDay: number | null;
  readonly creditsPerMonth: number | null;
  readonly lifecycle: KeyLifecycleEvents;
}

/** One key's minute: counts as the rollups would give them, where the calls came from, failures per network. */
export interface KeyMinuteSample {
  readonly counts: MinuteCounts;
  readonly sources: MinuteSources;
  /** 401 calls per source network (for the per-network burst detector). */
  readonly failuresByNetwork: Readonly<Record<string, number>>;
}

export interface Scenario {
  readonly options: ScenarioOptions;
  readonly startMinute: number;
  readonly endMinute: number;
  /** First minute anomalies may start (after the learning weeks). */
  readonly evaluationStartMinute: number;
  readonly profiles: readonly KeyProfile[];
  readonly labels: readonly AnomalyLabel[];
}

export const ROUTES = [
  'GET /v1/quotes/:symbol',
  'GET /v1/quotes',
  'GET /v1/history/:symbol',
  'GET /v1/news',
  'GET /v1/search',
  'POST /v1/completions',
  'POST /v1/embeddings',
  'GET /v1/models',
  'GET /v1/fx/:pair',
  'GET /v1/options/:symbol',
  'GET /v1/fundamentals/:symbol',
  'POST /v1/orders',
  'DELETE /v1/orders/:id',
  'GET /v1/orders',
  'GET /v1/account',
  'POST /v1/exports',
  'GET /v1/exports/:id',
  'GET /v1/calendar',
  'GET /v1/indices',
  'GET /v1/crypto/:pair',
] as const;

const HOME_COUNTRIES = [
  'US',
  'US',
  'US',
  'DE',
  'GB',
  'FR',
  'NL',
  'JP',
  'IN',
  'BR',
  'CA',
  'SG',
  'AU',
  'SE',
  'ES',
];
const ATTACK_COUNTRIES = ['RU', 'CN', 'VN', 'NG', 'RO', 'UA', 'KP', 'IR', 'PK', 'ID'];

const SALT_PROFILES = 1;
const SALT_LABELS = 2;
const SALT_UNIDENTIFIED = 3;
const SALT_KEY_STREAM = 1000;

const minuteToIso = (minute: number): string => new Date(minute * MINUTE_MS).toISOString();

function randomNetwork(random: Random, ipv6: boolean): string {
  if (ipv6) {
    const group = (): string => integer(random, 0, 0xffff).toString(16);
    return sourceNetwork(
      `2${integer(random, 0, 0xfff).toString(16).padStart(3, '0')}:${group()}:${group()}::1`,
    );
  }
  return sourceNetwork(
    `${integer(random, 11, 223)}.${integer(random, 0, 255)}.${integer(random, 0, 255)}.${integer(random, 1, 254)}`,
  );
}

/** Normal-traffic shape (without level noise or cron) at a minute: calls per minute per unit of base rate. */
function shapeAt(
  profile: Pick<KeyProfile, 'dailyAmplitude' | 'peakHourUtc' | 'weekendFactor'>,
  minute: number,
): number {
  const hourOfDay = (minute % MINUTES_PER_DAY) / 60;
  const daily = Math.max(
    0.03,
    1 + profile.dailyAmplitude * Math.cos((2 * Math.PI * (hourOfDay - profile.peakHourUtc)) / 24),
  );
  // Epoch day 0 was a Thursday: days 2 and 3 of each week are Saturday and Sunday.
  const dayOfWeek = (Math.floor(minute / MINUTES_PER_DAY) + 3) % 7;
  return daily * (dayOfWeek >= 5 ? profile.weekendFactor : 1);
}

function meanShape(profile: Pick<KeyProfile, 'dailyAmplitude' | 'peakHourUtc' | 'weekendFactor'>): number {
  let total = 0;
  for (let step = 0; step < MINUTES_PER_WEEK; step += 15) {
    total += shapeAt(profile, step);
  }
  return total / (MINUTES_PER_WEEK / 15);
}

/** A key's mean calls per minute under a mix (see `TrafficMix`). */
function mixMeanRate(mix: TrafficMix, random: Random, index: number, keys: number): number {
  // 7919 is prime, so for up to 7,918 keys this visits every slot once.
  const slot = ((index * 7919) % keys) / keys;
  let from = 0;
  for (const rateClass of mix.rateClasses) {
    if (slot < from + rateClass.share) {
      return Math.exp(uniform(random, Math.log(rateClass.min), Math.log(rateClass.max)));
    }
    from += rateClass.share;
  }
  const { median, sigma, max } = mix.otherRates;
  return Math.min(max, Math.exp(Math.log(median) + sigma * normal(random)));
}

function createProfiles(options: ScenarioOptions, startMinute: number): KeyProfile[] {
  const random = derivedRandom(options.seed, SALT_PROFILES);
  const profiles: KeyProfile[] = [];
  for (let index = 0; index < options.keys; index++) {
    const meanRate =
      options.mix === undefined
        ? Math.exp(uniform(random, Math.log(0.02), Math.log(600)))
        : mixMeanRate(options.mix, random, index, options.keys);
    const shape = {
      dailyAmplitude: uniform(random, 0.3, 0.95),
      peakHourUtc: uniform(random, 0, 24),
      weekendFactor: random() < 0.6 ? uniform(random, 0.25, 0.7) : uniform(random, 0.85, 1),
    };
    const baseRate = meanRate / meanShape(shape);
    const ipv6 = random() < 0.2;
    const networkCount = integer(random, 1, 3);
    const homeNetworks = Array.from({ length: networkCount }, () => randomNetwork(random, ipv6));
    const routeCount = integer(random, 1, 6);
    const routes = [...new Set(Array.from({ length: routeCount }, () => pick(random, ROUTES.slice(0, 12))))];
    const churnClass = random();
    const creditsPerCall = pick(random, [1, 1, 1, 2, 5, 0.5, 10]);
    const cronRoll = random();
    const cron =
      cronRoll < 0.15
        ? {
            minuteOfDay: integer(random, 0, MINUTES_PER_DAY - 10),
            minutes: integer(random, 1, 5),
            callsPerMinute: Math.max(20, meanRate * uniform(random, 3, 20)),
          }
        : null;
    const clusterSize = random() < 0.2 ? pick(random, [3, 5, 10, 20]) : 1;
    const dailyVolume = meanRate * MINUTES_PER_DAY + (cron === null ? 0 : cron.minutes * cron.callsPerMinute);
    // Customers set quotas with headroom over a busy day: a multiple of the usual volume, and never within
    // reach of ordinary day-to-day variation (counted in batches for bursty clients).
    const headroom = 8 * Math.sqrt(dailyVolume * clusterSize) + 10 * clusterSize;
    profiles.push({
      keyId: `key_${String(index).padStart(4, '0')}`,
      customerId: `cus_${String(Math.floor(index / 3)).padStart(4, '0')}`,
      index,
      // About 5 % of keys are created during the run, in its second or third week.
      firstMinute:
        random() < 0.05
          ? startMinute + integer(random, 7 * MINUTES_PER_DAY, 20 * MINUTES_PER_DAY)
          : startMinute,
      meanRate,
      baseRate,
      ...shape,
      levelSigma: uniform(random, 0.03, 0.12),
      clusterSize,
      cron,
      country: pick(random, HOME_COUNTRIES),
      ipv6,
      homeNetworks,
      routes,
      // Most keys run on a fixed set of servers; some move between networks now and then, a few constantly.
      networkChurnMinutes:
        churnClass < 0.6
          ? 60 * MINUTES_PER_DAY
          : churnClass < 0.9
            ? 14 * MINUTES_PER_DAY
            : 0.5 * MINUTES_PER_DAY,
      routeChurnMinutes: random() < 0.3 ? 21 * MINUTES_PER_DAY : 365 * MINUTES_PER_DAY,
      countryChurnMinutes: 365 * MINUTES_PER_DAY,
      creditsPerCall,
      requestsPerDay:
        random() < 0.5 ? Math.max(100, Math.round(dailyVolume * uniform(random, 1.8, 4) + headroom)) : null,
      creditsPerMonth:
        random() < 0.3
          ? Math.max(
              1000,
              Math.round((dailyVolume * 30 + headroom) * creditsPerCall * uniform(random, 1.8, 4)),
            )
          : null,
      lifecycle: { rotatedAtMinute: null, graceEndsMinute: null, revokedAtMinute: null },
    });
  }
  return profiles;
}

interface LabelPlan {
  readonly kind: LabelKind;
  readonly count: number;
  readonly eligible: (profile: KeyProfile) => boolean;
}

const GRACE_MINUTES = MINUTES_PER_DAY;

/**
 * Picks keys and times for the injected anomalies (at most one per key) and the benign lifecycle events, all
 * in the evaluation weeks. Returns the profiles with their lifecycles filled in, and the labels.
 */
function planAnomalies(
  options: ScenarioOptions,
  startMinute: number,
  endMinute: number,
  baseProfiles: KeyProfile[],
): { profiles: KeyProfile[]; labels: AnomalyLabel[] } {
  const random = derivedRandom(options.seed, SALT_LABELS);
  const evaluationStart = startMinute + options.learningWeeks * MINUTES_PER_WEEK;
  const scale = options.keys / 1000;
  const used = new Set<number>();
  const profiles = [...baseProfiles];
  const labels: AnomalyLabel[] = [];
  const matured = (profile: KeyProfile): boolean => profile.firstMinute === startMinute;
  const plans: LabelPlan[] = options.mix?.labels.map((plan) => ({
    kind: plan.kind,
    count: plan.count,
    eligible: (p: KeyProfile) =>
      matured(p) &&
      p.meanRate >= (plan.minRate ?? 0) &&
      p.meanRate < (plan.maxRate ?? Number.POSITIVE_INFINITY) &&
      (plan.needsQuota !== true || p.requestsPerDay !== null || p.creditsPerMonth !== null),
  })) ?? [
    { kind: 'spike', count: 60, eligible: (p) => matured(p) && p.meanRate >= 10 },
    { kind: 'spike', count: 10, eligible: (p) => matured(p) && p.meanRate < 1 },
    { kind: 'ramp', count: 30, eligible: (p) => matured(p) && p.meanRate >= 10 },
    { kind: 'drop', count: 20, eligible: (p) => matured(p) && p.meanRate >= 40 },
    { kind: 'credential_stuffing', count: 30, eligible: matured },
    { kind: 'leaked_key', count: 40, eligible: matured },
    {
      kind: 'quota_burn',
      count: 30,
      eligible: (p) => matured(p) && (p.requestsPerDay !== null || p.creditsPerMonth !== null),
    },
    { kind: 'retired_key_use', count: 30, eligible: (p) => matured(p) && p.meanRate >= 5 },
    { kind: 'upstream_errors', count: 20, eligible: (p) => matured(p) && p.meanRate >= 5 },
    { kind: 'rate_limit_flood', count: 20, eligible: (p) => matured(p) && p.meanRate >= 1 },
  ];
  const chooseKey = (eligible: (profile: KeyProfile) => boolean): KeyProfile | undefined => {
    const candidates = profiles.filter((profile) => !used.has(profile.index) && eligible(profile));
    if (candidates.length === 0) {
      return undefined;
    }
    const chosen = pick(random, candidates);
    used.add(chosen.index);
    return chosen;
  };
  const randomStart = (latestEndMargin: number): number =>
    integer(random, evaluationStart + 60, endMinute - latestEndMargin);
  let sequence = 0;
  const addLabel = (
    kind: LabelKind,
    key: string | null,
    network: string | null,
    start: number,
    end: number,
    details: Record<string, number | string>,
  ): void => {
    sequence += 1;
    labels.push({
      id: `a${String(sequence).padStart(4, '0')}`,
      kind,
      key,
      network,
      start: minuteToIso(start),
      end: minuteToIso(end),
      startMinute: start,
      endMinute: end,
      details,
    });
  };
  for (const plan of plans) {
    const count = Math.max(1, Math.round(plan.count * scale));
    for (let n = 0; n < count; n++) {
      const profile = chooseKey(plan.eligible);
      if (profile === undefined) {
        break;
      }
      const attackCountry = random() < 0.6 ? pick(random, ATTACK_COUNTRIES) : profile.country;
      const attackNetwork = randomNetwork(random, random() < 0.2);
      switch (plan.kind) {
        case 'spike': {
          const quiet = profile.meanRate < 1;
          const factor = quiet ? 0 : pick(random, [3, 5, 10, 30]);
          const extraPerMinute = quiet ? uniform(random, 60, 400) : (factor - 1) * profile.meanRate;
          const start = randomStart(120);
          addLabel('spike', profile.keyId, null, start, start + integer(random, 5, 60), {
            factor,
            extraPerMinute: Math.round(extraPerMinute * 100) / 100,
          });
          break;
        }
        case 'ramp': {
          const start = randomStart(600);
          const rampMinutes = integer(random, 180, 480);
          const factor = uniform(random, 3, 5);
          addLabel('ramp', profile.keyId, null, start, start + rampMinutes + 60, {
            rampMinutes,
            factor: Math.round(factor * 100) / 100,
            extraPerMinute: Math.round((factor - 1) * profile.meanRate * 100) / 100,
          });
          break;
        }
        case 'drop': {
          // Drops start when the key is busy, so there is traffic to lose.
          let start = randomStart(300);
          for (let tries = 0; tries < 50 && shapeAt(profile, start) * profile.baseRate < 20; tries++) {
            start = randomStart(300);
          }
          addLabel('drop', profile.keyId, null, start, start + integer(random, 60, 240), { remaining: 0.02 });
          break;
        }
        case 'credential_stuffing': {
          const start = randomStart(60);
          addLabel(
            'credential_stuffing',
            profile.keyId,
            attackNetwork,
            start,
            start + integer(random, 5, 30),
            {
              failuresPerMinute: Math.round(uniform(random, 20, 300)),
              country: attackCountry,
            },
          );
          break;
        }
        case 'leaked_key': {
          const start = randomStart(400);
          const networks = Array.from({ length: integer(random, 1, 3) }, () =>
            randomNetwork(random, random() < 0.2),
          );
          const newRoute =
            random() < 0.4
              ? pick(
                  random,
                  ROUTES.filter((route) => !profile.routes.includes(route)),
                )
              : '';
          addLabel('leaked_key', profile.keyId, networks[0], start, start + integer(random, 60, 360), {
            callsPerMinute: Math.round(uniform(random, 2, 30) * 100) / 100,
            networks: networks.join(' '),
            country: attackCountry,
            route: newRoute,
          });
          break;
        }
        case 'quota_burn': {
          const daily =
            profile.requestsPerDay !== null && (profile.creditsPerMonth === null || random() < 0.7);
          const day = Math.floor(randomStart(MINUTES_PER_DAY) / MINUTES_PER_DAY);
          if (daily) {
            const hours = uniform(random, 2, 10);
            const start = day * MINUTES_PER_DAY + integer(random, 60, 12 * 60);
            addLabel('quota_burn', profile.keyId, null, start, start + Math.round(hours * 60), {
              quota: 'requestsPerDay',
              extraPerMinute: Math.round(((profile.requestsPerDay ?? 0) / (hours * 60)) * 100) / 100,
            });
          } else {
            const hours = uniform(random, 6, 48);
            const start = day * MINUTES_PER_DAY + integer(random, 0, MINUTES_PER_DAY - 1);
            addLabel(
              'quota_burn',
              profile.keyId,
              null,
              start,
              Math.min(endMinute, start + Math.round(hours * 60)),
              {
                quota: 'creditsPerMonth',
                extraPerMinute:
                  Math.round(((profile.creditsPerMonth ?? 0) / (hours * 60 * profile.creditsPerCall)) * 100) /
                  100,
              },
            );
          }
          break;
        }
        case 'retired_key_use': {
          const revoked = random() < 0.5;
          const staleFraction = uniform(random, 0.1, 0.6);
          const duration = integer(random, 120, 720);
          if (revoked) {
            const start = randomStart(duration + 10);
            profiles[profile.index] = {
              ...profile,
              lifecycle: { rotatedAtMinute: null, graceEndsMinute: null, revokedAtMinute: start },
            };
            addLabel('retired_key_use', profile.keyId, profile.homeNetworks[0], start, start + duration, {
              cause: 'revoked',
              staleFraction: Math.round(staleFraction * 100) / 100,
            });
          } else {
            const rotatedAt = randomStart(GRACE_MINUTES + duration + 10);
            const graceEnds = rotatedAt + GRACE_MINUTES;
            profiles[profile.index] = {
              ...profile,
              lifecycle: { rotatedAtMinute: rotatedAt, graceEndsMinute: graceEnds, revokedAtMinute: null },
            };
            addLabel(
              'retired_key_use',
              profile.keyId,
              profile.homeNetworks[0],
              graceEnds,
              graceEnds + duration,
              {
                cause: 'rotated',
                staleFraction: Math.round(staleFraction * 100) / 100,
              },
            );
          }
          break;
        }
        case 'upstream_errors': {
          // The upstream fails a share of the key's calls (an outage of the API behind the gateway).
          const start = randomStart(60);
          addLabel('upstream_errors', profile.keyId, null, start, start + integer(random, 5, 30), {
            errorShare: Math.round(uniform(random, 0.2, 0.9) * 100) / 100,
          });
          break;
        }
        case 'rate_limit_flood': {
          // A client loops far beyond the key's rate limit: the excess is refused with 429.
          const start = randomStart(60);
          addLabel('rate_limit_flood', profile.keyId, null, start, start + integer(random, 5, 30), {
            rejectedPerMinute: Math.round(Math.max(20, profile.meanRate * uniform(random, 1, 5)) * 100) / 100,
          });
          break;
        }
      }
    }
  }
  // Credential stuffing with keys nobody can identify: only the per-network detector can see it.
  for (let n = 0; n < Math.max(1, Math.round((options.mix?.keylessStuffing ?? 10) * scale)); n++) {
    const start = randomStart(60);
    addLabel(
      'credential_stuffing',
      null,
      randomNetwork(random, false),
      start,
      start + integer(random, 5, 30),
      {
        failuresPerMinute: Math.round(uniform(random, 30, 500)),
      },
    );
  }
  // Benign lifecycle events: rotations whose clients all migrate in time, revocations of idle keys.
  for (let n = 0; n < Math.round(40 * scale); n++) {
    const profile = chooseKey(matured);
    if (profile === undefined) {
      break;
    }
    const at = randomStart(GRACE_MINUTES + 60);
    profiles[profile.index] =
      n % 2 === 0
        ? {
            ...profile,
            lifecycle: { rotatedAtMinute: at, graceEndsMinute: at + GRACE_MINUTES, revokedAtMinute: null },
          }
        : { ...profile, lifecycle: { rotatedAtMinute: null, graceEndsMinute: null, revokedAtMinute: at } };
  }
  labels.sort((a, b) => a.startMinute - b.startMinute || a.id.localeCompare(b.id));
  return { profiles, labels };
}

export function buildScenario(options: ScenarioOptions = DEFAULT_SCENARIO): Scenario {
  const startMinute = Math.floor(options.startMs / MINUTE_MS);
  const endMinute = startMinute + options.weeks * MINUTES_PER_WEEK;
  if (options.learningWeeks >= options.weeks) {
    throw new RangeError(
      `learningWeeks: must be less than weeks (${options.weeks}), got ${options.learningWeeks}`,
    );
  }
  const { profiles, labels } = planAnomalies(
    options,
    startMinute,
    endMinute,
    createProfiles(options, startMinute),
  );
  return {
    options,
    startMinute,
    endMinute,
    evaluationStartMinute: startMinute + options.learningWeeks * MINUTES_PER_WEEK,
    profiles,
    labels,
  };
}

function addCount(target: Record<string, number>, name: string, count: number): void {
  if (count > 0) {
    target[name] = (target[name] ?? 0) + count;
  }
}

/** Spreads `calls` over `names`, each at most once short of the others, starting at a rotating offset. */
function spread(
  target: Record<string, number>,
  names: readonly string[],
  calls: number,
  offset: number,
): void {
  const n = names.length;
  for (let index = 0; index < n && index < calls; index++) {
    addCount(target, names[(index + offset) % n], Math.floor(calls / n) + (index < calls % n ? 1 : 0));
  }
}

/**
 * A key's traffic, one minute at a time: call with consecutive minutes from the scenario's start. The
 * sequence depends only on the seed and the key, never on the order in which keys are stepped.
 */
export function createKeyStream(
  scenario: Scenario,
  profile: KeyProfile,
): (minute: number) => KeyMinuteSample {
  const random = derivedRandom(scenario.options.seed, SALT_KEY_STREAM + profile.index);
  const labels = scenario.labels.filter((label) => label.key === profile.keyId);
  let level = 0;
  const phi = 0.99;
  const innovation = Math.sqrt(1 - phi * phi) * profile.levelSigma;
  const homeNetworks = [...profile.homeNetworks];
  const routes = [...profile.routes];
  const countries = [profile.country];
  let nextNetworkChurn = profile.firstMinute + exponential(random, profile.networkChurnMinutes);
  let nextRouteChurn = profile.firstMinute + exponential(random, profile.routeChurnMinutes);
  let nextCountryChurn = profile.firstMinute + exponential(random, profile.countryChurnMinutes);
  let day = -1;
  let usedToday = 0;
  let creditsThisMonth = 0;
  // After a benign rotation every client has moved to the new secret within the grace period, so only the
  // labelled stale clients are rejected once it ends.
  const { revokedAtMinute, graceEndsMinute } = profile.lifecycle;
  const empty: KeyMinuteSample = {
    counts: {
      requests: 0,
      billable: 0,
      serverErrors: 0,
      authRejected: 0,
      scopeRejected: 0,
      rateLimited: 0,
      credits: 0,
    },
    sources: { networks: {}, countries: {}, routes: {} },
    failuresByNetwork: {},
  };

  return (minute: number): KeyMinuteSample => {
    if (minute < profile.firstMinute) {
      return empty;
    }
    const currentDay = Math.floor(minute / MINUTES_PER_DAY);
    if (currentDay !== day) {
      day = currentDay;
      usedToday = 0;
    }
    // Benign churn.
    if (minute >= nextNetworkChurn) {
      nextNetworkChurn = minute + exponential(random, profile.networkChurnMinutes);
      homeNetworks.push(randomNetwork(random, profile.ipv6));
      if (homeNetworks.length > 3 || random() < 0.5) {
        homeNetworks.shift();
      }
    }
    if (minute >= nextRouteChurn) {
      nextRouteChurn = minute + exponential(random, profile.routeChurnMinutes);
      const candidates = ROUTES.filter((route) => !routes.includes(route));
      if (candidates.length > 0) {
        routes.push(pick(random, candidates));
      }
    }
    if (minute >= nextCountryChurn) {
      nextCountryChurn = minute + exponential(random, profile.countryChurnMinutes);
      countries.push(pick(random, HOME_COUNTRIES));
    }

    level = phi * level + innovation * normal(random);
    const cron = profile.cron;
    const cronCalls =
      cron !== null &&
      (minute % MINUTES_PER_DAY) - cron.minuteOfDay >= 0 &&
      (minute % MINUTES_PER_DAY) - cron.minuteOfDay < cron.minutes
        ? cron.callsPerMinute
        : 0;
    let rate =
      profile.baseRate *
        shapeAt(profile, minute) *
        Math.exp(level - (profile.levelSigma * profile.levelSigma) / 2) +
      cronCalls;
    let extraRate = 0;
    let stuffing = 0;
    let stuffingNetwork = '';
    let stuffingCountry = '';
    let leaked = 0;
    let leakLabel: AnomalyLabel | undefined;
    let staleFraction = 0;
    let staleNetwork: string | null = null;
    let errorShare = 0;
    let flood = 0;
    for (const label of labels) {
      if (minute < label.startMinute || minute >= label.endMinute) {
        continue;
      }
      const details = label.details;
      switch (label.kind) {
        case 'spike':
        case 'quota_burn':
          extraRate += Number(details.extraPerMinute);
          break;
        case 'ramp':
          extraRate +=
            Number(details.extraPerMinute) *
            Math.min(1, (minute - label.startMinute) / Number(details.rampMinutes));
          break;
        case 'drop':
          rate *= Number(details.remaining);
          break;
        case 'credential_stuffing':
          stuffing += poisson(random, Number(details.failuresPerMinute));
          stuffingNetwork = label.network ?? '';
          stuffingCountry = String(details.country);
          break;
        case 'leaked_key':
          leaked += poisson(random, Number(details.callsPerMinute));
          leakLabel = label;
          break;
        case 'retired_key_use':
          staleFraction = Number(details.staleFraction);
          staleNetwork = label.network;
          break;
        case 'upstream_errors':
          errorShare = Number(details.errorShare);
          break;
        case 'rate_limit_flood':
          flood += poisson(random, Number(details.rejectedPerMinute));
          break;
      }
    }
    const revoked = revokedAtMinute !== null && minute >= revokedAtMinute;
    const legitCalls =
      profile.clusterSize > 1
        ? profile.clusterSize * poisson(random, rate / profile.clusterSize)
        : poisson(random, rate);
    // After a revocation only stale clients call; after a rotation's grace they are rejected too.
    const pastGrace = graceEndsMinute !== null && minute >= graceEndsMinute;
    const retiredCalls = revoked || pastGrace ? Math.round(legitCalls * staleFraction) : 0;
    const acceptedLegit = revoked ? 0 : legitCalls - retiredCalls;
    const extraCalls = poisson(random, extraRate);
    const forwarded = acceptedLegit + extraCalls + leaked;
    const serverErrors =
      errorShare > 0 ? Math.round(forwarded * errorShare) : poisson(random, forwarded * 0.002);
    const scopeRejected = Math.min(forwarded - serverErrors, poisson(random, forwarded * 0.0003));
    const limitedBackground = Math.min(
      forwarded - serverErrors - scopeRejected,
      poisson(random, forwarded * 0.0005),
    );
    const rateLimited = limitedBackground + flood;
    const wrongSecret = revoked ? 0 : poisson(random, acceptedLegit * 0.0005 + 0.002);
    const authRejected = wrongSecret + stuffing + retiredCalls;
    let billable = forwarded - serverErrors - scopeRejected - limitedBackground;
    // The gateway refuses calls once a quota is used up (quota_exceeded, not billable).
    if (profile.requestsPerDay !== null) {
      billable = Math.max(0, Math.min(billable, profile.requestsPerDay - usedToday));
    }
    if (profile.creditsPerMonth !== null) {
      billable = Math.max(
        0,
        Math.min(billable, Math.floor((profile.creditsPerMonth - creditsThisMonth) / profile.creditsPerCall)),
      );
    }
    usedToday += billable;
    creditsThisMonth += billable * profile.creditsPerCall;
    const requests = forwarded + authRejected + flood;
    if (requests === 0) {
      return empty;
    }
    const networks: Record<string, number> = {};
    const countryCounts: Record<string, number> = {};
    const routeCounts: Record<string, number> = {};
    const failuresByNetwork: Record<string, number> = {};
    const homeCalls = acceptedLegit + extraCalls + retiredCalls + wrongSecret + flood;
    spread(networks, homeNetworks, homeCalls, minute);
    spread(countryCounts, countries, homeCalls, minute);
    spread(routeCounts, routes, acceptedLegit + extraCalls + retiredCalls + flood, minute);
    // A stale client sits on the network the label names (the key's first network when it was retired), even
    // after the key's other clients moved: that is where its 401s come from.
    addCount(failuresByNetwork, homeNetworks[0], wrongSecret);
    addCount(failuresByNetwork, staleNetwork ?? homeNetworks[0], retiredCalls);
    if (stuffing > 0) {
      addCount(networks, stuffingNetwork, stuffing);
      addCount(countryCounts, stuffingCountry, stuffing);
      addCount(failuresByNetwork, stuffingNetwork, stuffing);
    }
    if (leaked > 0 && leakLabel !== undefined) {
      spread(networks, String(leakLabel.details.networks).split(' '), leaked, minute);
      addCount(countryCounts, String(leakLabel.details.country), leaked);
      const route = String(leakLabel.details.route);
      spread(routeCounts, route === '' ? routes : [route, ...routes], leaked, minute);
    }
    return {
      counts: {
        requests,
        billable,
        serverErrors,
        authRejected,
        scopeRejected,
        rateLimited,
        credits: billable * profile.creditsPerCall,
      },
      sources: { networks, countries: countryCounts, routes: routeCounts },
      failuresByNetwork,
    };
  };
}

/**
 * Auth failures per source network whose key could not be identified (`rejected_auth` with an empty key id):
 * background scanners plus the keyless credential-stuffing labels. Call with consecutive minutes.
 */
export function createUnidentifiedFailureStream(
  scenario: Scenario,
): (minute: number) => Readonly<Record<string, number>> {
  const random = derivedRandom(scenario.options.seed, SALT_UNIDENTIFIED);
  const scanners = Array.from({ length: 40 }, () => ({
    network: randomNetwork(random, false),
    rate: uniform(random, 0.05, 2),
  }));
  const labels = scenario.labels.filter(
    (label) => label.kind === 'credential_stuffing' && label.key === null,
  );
  return (minute: number) => {
    const failures: Record<string, number> = {};
    for (const scanner of scanners) {
      addCount(failures, scanner.network, poisson(random, scanner.rate));
    }
    for (const label of labels) {
      if (minute >= label.startMinute && minute < label.endMinute && label.network !== null) {
        addCount(failures, label.network, poisson(random, Number(label.details.failuresPerMinute)));
      }
    }
    return failures;
  };
}
