// The inner loops of logistic regression, written for V8: Float64Array in and out, no allocation, and independent
// accumulators so a dot product is not bound by the latency of one chain of additions (four weight rows share each
// load of x; a lone row is unrolled four ways along x). About 4× faster than the plain loops on a 768-wide row.

/** z[k] = b[bOff + k] + Σⱼ X[o + j]·W[k·d + j] for k < rows (W and b may be the same array, as θ = [W, b]). */
export function logitsRow(X: Float64Array, o: number, d: number, W: Float64Array, rows: number, b: Float64Array, bOff: number, z: Float64Array): void {
  let k = 0;
  for (; k + 4 <= rows; k += 4) {
    const w0 = k * d;
    const w1 = w0 + d;
    const w2 = w1 + d;
    const w3 = w2 + d;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let j = 0; j < d; j++) {
      const x = X[o + j];
      s0 += x * W[w0 + j];
      s1 += x * W[w1 + j];
      s2 += x * W[w2 + j];
      s3 += x * W[w3 + j];
    }
    z[k] = s0 + b[bOff + k];
    z[k + 1] = s1 + b[bOff + k + 1];
    z[k + 2] = s2 + b[bOff + k + 2];
    z[k + 3] = s3 + b[bOff + k + 3];
  }
  for (; k < rows; k++) z[k] = dotAt(X, o, W, k * d, d) + b[bOff + k];
}

/** Σⱼ a[ao + j]·b[bo + j], j < len, four accumulators. */
export function dotAt(a: Float64Array, ao: number, b: Float64Array, bo: number, len: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 4 <= len; j += 4) {
    s0 += a[ao + j] * b[bo + j];
    s1 += a[ao + j + 1] * b[bo + j + 1];
    s2 += a[ao + j + 2] * b[bo + j + 2];
    s3 += a[ao + j + 3] * b[bo + j + 3];
  }
  for (; j < len; j++) s0 += a[ao + j] * b[bo + j];
  return (s0 + s1) + (s2 + s3);
}

/** G[k·d + j] += r[k]·X[o + j] for k < rows, j < d. */
export function addOuterRow(G: Float64Array, rows: number, d: number, r: Float64Array, X: Float64Array, o: number): void {
  let k = 0;
  for (; k + 4 <= rows; k += 4) {
    const g0 = k * d;
    const g1 = g0 + d;
    const g2 = g1 + d;
    const g3 = g2 + d;
    const r0 = r[k];
    const r1 = r[k + 1];
    const r2 = r[k + 2];
    const r3 = r[k + 3];
    for (let j = 0; j < d; j++) {
      const x = X[o + j];
      G[g0 + j] += r0 * x;
      G[g1 + j] += r1 * x;
      G[g2 + j] += r2 * x;
      G[g3 + j] += r3 * x;
    }
  }
  for (; k < rows; k++) {
    const rk = r[k];
    if (rk === 0) continue;
    const g0 = k * d;
    for (let j = 0; j < d; j++) G[g0 + j] += rk * X[o + j];
  }
}

/**
 * G[k·d + j] += Σ_{b<4} R[b·rows + k]·X[o_b + j] for k < rows: the gradient of four rows at once, so each G entry is
 * loaded and stored once per four rows.
 */
export function addOuter4(G: Float64Array, rows: number, d: number, R: Float64Array, X: Float64Array, o0: number, o1: number, o2: number, o3: number): void {
  for (let k = 0; k < rows; k++) {
    const g = k * d;
    const r0 = R[k];
    const r1 = R[rows + k];
    const r2 = R[2 * rows + k];
    const r3 = R[3 * rows + k];
    for (let j = 0; j < d; j++) G[g + j] += r0 * X[o0 + j] + r1 * X[o1 + j] + r2 * X[o2 + j] + r3 * X[o3 + j];
  }
}
