/** What the benchmarks read from the environment. */

/** A whole-number setting from `name`, at least `min`; `fallback` when unset. */
export function count(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min)
    throw new Error(`${name}=${raw}: expected an integer >= ${min}`);
  return value;
}
