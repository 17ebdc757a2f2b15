/** Small statistics for the benchmarks: order statistics, a trimmed mean and its bootstrap spread. */

export const sorted = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);

export function median(xs: readonly number[]): number {
  const s = sorted(xs);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Nearest-rank percentile. */
export const percentile = (xs: readonly number[], p: number): number =>
  sorted(xs)[Math.max(0, Math.ceil((p / 100) * xs.length) - 1)] as number;

/** The mean of what is left after dropping `trim` of the values at each end (0.2: the middle 60 %). */
export function trimmedMean(xs: readonly number[], trim = 0.2): number {
  const s = sorted(xs);
  const cut = Math.floor(s.length * trim);
  const kept = s.slice(cut, s.length - cut);
  return kept.reduce((a, b) => a + b, 0) / kept.length;
}

/** A fixed-seed generator (mulberry32), so the same samples always give the same interval. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A 95 % bootstrap interval of `estimate` over `xs` (resampled with replacement, 2,000 times): how
 * far the figure would move between two runs of the same bench on the same machine.
 */
export function bootstrapInterval(
  xs: readonly number[],
  estimate: (sample: readonly number[]) => number = trimmedMean,
  rounds = 2000,
): { low: number; high: number } {
  const random = seeded(0x5eed);
  const estimates = Array.from({ length: rounds }, () =>
    estimate(Array.from({ length: xs.length }, () => xs[Math.floor(random() * xs.length)] as number)),
  );
  return { low: percentile(estimates, 2.5), high: percentile(estimates, 97.5) };
}
