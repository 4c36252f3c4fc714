// WebAssembly SIMD kernels for the two products of a logistic-regression pass, Z = X·Wᵀ and G += Rᵀ·X, in Float64
// (f64x2 lanes, two accumulators per dot product; the sums are Float64 throughout, only their order differs from the
// plain loops). The module is assembled here from its opcodes (no toolchain, no file to ship) and validated once;
// where WebAssembly SIMD is missing, `wasmKernels()` returns null and the callers use the TypeScript loops.
//
// Layout in the module's memory (byte offsets chosen by the caller): X [m × dp], W [rows × dp], Z [m × rows],
// R [m × rows], G [rows × dp], all f64, with the row stride dp = d rounded up to a multiple of 4 and zero padding,
// and m a multiple of 4 (zero rows at the end of X, zero residuals in R).

const enc = {
  u32(v: number): number[] { const out: number[] = []; do { let b = v & 0x7f; v >>>= 7; if (v) b |= 0x80; out.push(b); } while (v); return out; },
  i32(v: number): number[] {
    const out: number[] = [];
    for (;;) {
      const b = v & 0x7f;
      v >>= 7;
      if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) { out.push(b); return out; }
      out.push(b | 0x80);
    }
  },
  vec(items: number[][]): number[] { return [...enc.u32(items.length), ...items.flat()]; },
  section(id: number, body: number[]): number[] { return [id, ...enc.u32(body.length), ...body]; },
};
const I32 = 0x7f;
const V128 = 0x7b;
// opcodes
const get = (i: number) => [0x20, ...enc.u32(i)];
const set = (i: number) => [0x21, ...enc.u32(i)];
const i32c = (v: number) => [0x41, ...enc.i32(v)];
const ADD = 0x6a;
const MUL = 0x6c;
const GE_S = 0x4e;
const BLOCK = [0x02, 0x40];
const LOOP = [0x03, 0x40];
const END = 0x0b;
const brIf = (d: number) => [0x0d, ...enc.u32(d)];
const br = (d: number) => [0x0c, ...enc.u32(d)];
const simd = (op: number) => [0xfd, ...enc.u32(op)];
const v128load = (offset: number) => [...simd(0x00), 4, ...enc.u32(offset)];
const v128store = (offset: number) => [...simd(0x0b), 4, ...enc.u32(offset)];
const F64X2_ADD = simd(0xf0);
const F64X2_MUL = simd(0xf2);
const F64X2_SPLAT = simd(0x14);
const extract = (lane: number) => [...simd(0x21), lane];
const v128zero = [...simd(0x0c), ...new Array(16).fill(0)];
const f64load = [0x2b, 3, 0];
const f64store = [0x39, 3, 0];
const F64_ADD = 0xa0;

/** for (v = 0; v < limit; v += step) body — as block/loop; the body sees the loop at depth 0. */
function forLoop(v: number, limit: number[], step: number, body: number[]): number[] {
  return [...i32c(0), ...set(v), ...BLOCK, ...LOOP, ...get(v), ...limit, GE_S, ...brIf(1), ...body,
    ...get(v), ...i32c(step), ADD, ...set(v), ...br(0), END, END];
}

// Both kernels take four data rows at a time (m must be a multiple of 4: the caller pads with zero rows), so each
// load of a weight (logits) or gradient (gradAcc) vector serves four rows and four independent sums are in flight.
// Locals (after the 6 i32 params): 6 i, 7 k, 8 j, 9 x0, 10 x1, 11 x2, 12 x3, 13 wk/gk, 14 rowBytes (i32);
// 15..18 a0..a3, 19 w (v128).

// logits(x, m, dp, w, rows, z): z[i·rows + k] = Σ_j x[i·dp + j]·w[k·dp + j]
function logitsBody(): number[] {
  const acc = (a: number, xp: number) => [...get(a), ...get(xp), ...get(8), ADD, ...v128load(0), ...get(19), ...F64X2_MUL, ...F64X2_ADD, ...set(a)];
  const inner = [...get(13), ...get(8), ADD, ...v128load(0), ...set(19), ...acc(15, 9), ...acc(16, 10), ...acc(17, 11), ...acc(18, 12)];
  // z[(i + q)·rows + k] = lane 0 + lane 1 of a_q
  const store = (q: number) => [
    ...get(5), ...get(6), ...i32c(q), ADD, ...get(4), MUL, ...get(7), ADD, ...i32c(8), MUL, ADD,
    ...get(15 + q), ...extract(0), ...get(15 + q), ...extract(1), F64_ADD, ...f64store,
  ];
  const perClass = [
    ...get(3), ...get(7), ...get(14), MUL, ADD, ...set(13),
    ...v128zero, ...set(15), ...v128zero, ...set(16), ...v128zero, ...set(17), ...v128zero, ...set(18),
    ...forLoop(8, get(14), 16, inner),
    ...store(0), ...store(1), ...store(2), ...store(3),
  ];
  const perBlock = [
    ...get(0), ...get(6), ...get(14), MUL, ADD, ...set(9),
    ...get(9), ...get(14), ADD, ...set(10), ...get(10), ...get(14), ADD, ...set(11), ...get(11), ...get(14), ADD, ...set(12),
    ...forLoop(7, get(4), 1, perClass),
  ];
  return [...get(2), ...i32c(8), MUL, ...set(14), ...forLoop(6, get(1), 4, perBlock), END];
}

// gradAcc(x, m, dp, r, rows, g): g[k·dp + j] += Σ_i r[i·rows + k]·x[i·dp + j]
function gradBody(): number[] {
  const term = (rq: number, xp: number) => [...get(rq), ...get(xp), ...get(8), ADD, ...v128load(0), ...F64X2_MUL, ...F64X2_ADD];
  const inner = [
    ...get(13), ...get(8), ADD,
    ...get(13), ...get(8), ADD, ...v128load(0),
    ...term(15, 9), ...term(16, 10), ...term(17, 11), ...term(18, 12),
    ...v128store(0),
  ];
  // r_q = splat(r[(i + q)·rows + k])
  const splat = (q: number) => [...get(3), ...get(6), ...i32c(q), ADD, ...get(4), MUL, ...get(7), ADD, ...i32c(8), MUL, ADD, ...f64load, ...F64X2_SPLAT, ...set(15 + q)];
  const perClass = [
    ...get(5), ...get(7), ...get(14), MUL, ADD, ...set(13),
    ...splat(0), ...splat(1), ...splat(2), ...splat(3),
    ...forLoop(8, get(14), 16, inner),
  ];
  const perBlock = [
    ...get(0), ...get(6), ...get(14), MUL, ADD, ...set(9),
    ...get(9), ...get(14), ADD, ...set(10), ...get(10), ...get(14), ADD, ...set(11), ...get(11), ...get(14), ADD, ...set(12),
    ...forLoop(7, get(4), 1, perClass),
  ];
  return [...get(2), ...i32c(8), MUL, ...set(14), ...forLoop(6, get(1), 4, perBlock), END];
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const type = [0x60, ...enc.vec([[I32], [I32], [I32], [I32], [I32], [I32]]), 0x00]; // (6 × i32) → ()
  const locals = enc.vec([[...enc.u32(9), I32], [...enc.u32(5), V128]]);
  const fn = (body: number[]) => { const b = [...locals, ...body]; return [...enc.u32(b.length), ...b]; };
  const name = (s: string) => [...enc.u32(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...enc.section(1, enc.vec([type])),
    ...enc.section(3, enc.vec([[0], [0]])),
    ...enc.section(5, enc.vec([[0x00, 1]])), // memory: min 1 page, no max
    ...enc.section(7, enc.vec([[...name('memory'), 0x02, 0], [...name('logits'), 0x00, 0], [...name('gradAcc'), 0x00, 1]])),
    ...enc.section(10, enc.vec([fn(logitsBody()), fn(gradBody())])),
  ]);
}

export interface WasmKernels {
  memory: WebAssembly.Memory;
  logits(x: number, m: number, dp: number, w: number, rows: number, z: number): void;
  gradAcc(x: number, m: number, dp: number, r: number, rows: number, g: number): void;
}

let compiled: WebAssembly.Module | null | undefined;

/** A fresh instance (its own memory) of the kernels, or null where WebAssembly SIMD is not available. */
export function wasmKernels(): WasmKernels | null {
  if (compiled === undefined) {
    try {
      const bytes = moduleBytes();
      compiled = typeof WebAssembly === 'object' && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
    } catch {
      compiled = null;
    }
  }
  if (!compiled) return null;
  const inst = new WebAssembly.Instance(compiled, {});
  return inst.exports as unknown as WasmKernels;
}

/** Data rows of the padded layout (a multiple of 4). */
export function paddedRows(m: number): number {
  return Math.ceil(m / 4) * 4;
}

/** Row stride (in f64) of the padded layout. */
export function paddedStride(d: number): number {
  return Math.ceil(d / 4) * 4;
}
