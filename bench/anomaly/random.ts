/** Seeded pseudo-random numbers (mulberry32): the generator never reads Math.random, so a seed is a dataset. */
export type Random = () => number;

export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An independent stream for one purpose (`salt`) of one seed, e.g. one key's traffic. */
export function derivedRandom(seed: number, salt: number): Random {
  return mulberry32(Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(salt + 1, 0xc2b2ae35));
}

export function uniform(random: Random, min: number, max: number): number {
  return min + (max - min) * random();
}

export function integer(random: Random, min: number, max: number): number {
  return Math.floor(uniform(random, min, max + 1));
}

export function pick<T>(random: Random, values: readonly T[]): T {
  return values[Math.floor(random() * values.length)];
}

/** Standard normal (Box–Muller). */
export function normal(random: Random): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Poisson count: exact (Knuth) for small means, normal approximation above 30. */
export function poisson(random: Random, mean: number): number {
  if (mean <= 0) {
    return 0;
  }
  if (mean > 30) {
    return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal(random)));
  }
  const limit = Math.exp(-mean);
  let count = 0;
  let product = random();
  while (product > limit) {
    count += 1;
    product *= random();
  }
  return count;
}

/** Exponentially distributed waiting time with the given mean. */
export function exponential(random: Random, mean: number): number {
  return -mean * Math.log(Math.max(random(), 1e-12));
}
