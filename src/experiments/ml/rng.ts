// Seeded randomness for the experiments: the same seed gives the same stream on every platform and Node version
// (integer arithmetic with Math.imul, no Math.random). Generator: mulberry32 (Tommy Ettinger's 32-bit state mixer),
// which passes the usual statistical batteries at the scale we draw (folds, shuffles, UMAP's sampling), preceded by a
// splitmix32 scramble of the seed so that neighbouring seeds (0, 1, 2…) start far apart.

/** Integer part of the seed taken modulo 2^32 (negative and fractional seeds are accepted and mapped the same way). */
function seedWord(seed: number): number {
  if (!Number.isFinite(seed)) throw new RangeError(`seed ${seed} is not a finite number`);
  const s = Math.trunc(seed);
  // modulo 2^32 of the mathematical integer, for |seed| up to 2^53
  const lo = s % 4294967296;
  let h = (lo < 0 ? lo + 4294967296 : lo) >>> 0;
  // splitmix32 finaliser
  h = (h + 0x9e3779b9) | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A deterministic uniform generator on [0, 1) with 32 bits of resolution. */
export function makeRng(seed: number): () => number {
  let a = seedWord(seed);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A whole number uniform in 0..k-1. */
export function randInt(k: number, rng: () => number): number {
  return Math.floor(rng() * k);
}

/** A uniformly random permutation of 0..n-1 (Fisher–Yates, drawing from the end). */
export function permutation(n: number, rng: () => number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

/** A shuffled copy of xs (the input is not changed). */
export function shuffled<T>(xs: readonly T[], rng: () => number): T[] {
  const p = permutation(xs.length, rng);
  const out = new Array<T>(xs.length);
  for (let i = 0; i < xs.length; i++) out[i] = xs[p[i]];
  return out;
}

/** A standard normal draw (Box–Muller; uses two uniforms per call, no caching, so streams stay simple to reason about). */
export function gaussian(rng: () => number): number {
  const u = 1 - rng(); // (0, 1]
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
