// Seeded pseudo-random numbers for the model generator: mulberry32 for uniforms, polar Box–Muller for normals.
// Every tensor gets its own stream, derived from (seed, tensor name), so a tensor's values do not depend on
// the order tensors are generated in, nor on which other tensors a variant needs.

/** 32-bit FNV-1a of a string (UTF-16 code units), mixed with a seed by splitmix32. */
export function hashSeed(seed: number, name: string): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // splitmix32 finaliser: spreads nearby seeds apart
  h = (h + 0x9e3779b9) | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  static forTensor(seed: number, name: string): Rng {
    return new Rng(hashSeed(seed, name));
  }

  /** Uniform in [0, 1), 32 bits of resolution (mulberry32). */
  uniform(): number {
    let a = (this.state = (this.state + 0x6d2b79f5) | 0);
    a = Math.imul(a ^ (a >>> 15), a | 1);
    a ^= a + Math.imul(a ^ (a >>> 7), a | 61);
    return ((a ^ (a >>> 14)) >>> 0) / 4294967296;
  }

  /**
   * Fills `out` with mean + std · N(0, 1) samples: Marsaglia's polar form of Box–Muller (no trigonometry, both
   * outputs used; ~28 ns a value, so bert-base's 110M weights take about 3 s).
   */
  fillNormal(out: Float32Array, mean: number, std: number): Float32Array {
    let s = this.state; // mulberry32, inlined
    const n = out.length;
    let i = 0;
    while (i < n) {
      s = (s + 0x6d2b79f5) | 0;
      let a = Math.imul(s ^ (s >>> 15), s | 1);
      a ^= a + Math.imul(a ^ (a >>> 7), a | 61);
      const x = ((a ^ (a >>> 14)) >>> 0) / 2147483648 - 1;
      s = (s + 0x6d2b79f5) | 0;
      let b = Math.imul(s ^ (s >>> 15), s | 1);
      b ^= b + Math.imul(b ^ (b >>> 7), b | 61);
      const y = ((b ^ (b >>> 14)) >>> 0) / 2147483648 - 1;
      const r2 = x * x + y * y;
      if (r2 >= 1 || r2 === 0) continue;
      const f = std * Math.sqrt((-2 * Math.log(r2)) / r2);
      out[i++] = mean + x * f;
      if (i < n) out[i++] = mean + y * f;
    }
    this.state = s;
    return out;
  }
}
