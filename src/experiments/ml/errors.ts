// Bad input to the maths of the experiments (too few rows, a fold count the labels cannot fill, shapes that do not
// agree). Like EngineError it carries the cause (`summary`) and the next step (`next`); the experiment runners turn it
// into their surface's wording. A RangeError, so callers that only check `instanceof RangeError` still see it.
export class MlInputError extends RangeError {
  constructor(readonly summary: string, readonly next?: string) {
    super(next ? `${summary} ${next}` : summary);
    this.name = 'MlInputError';
  }
}

/** Throws MlInputError when a row-major block X does not hold n·d values. */
export function checkShape(X: ArrayLike<number>, n: number, d: number, what = 'X'): void {
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(d) || d < 0) {
    throw new MlInputError(`${what}: n = ${n} and d = ${d} must be whole numbers ≥ 0.`, 'Pass the row and column counts of the matrix.');
  }
  if (X.length !== n * d) {
    throw new MlInputError(`${what} holds ${X.length} values, not n × d = ${n} × ${d} = ${n * d}.`, 'Pass a row-major matrix with n rows of d features.');
  }
}

/** Throws MlInputError unless y holds n labels in 0..K-1. */
export function checkLabels(y: Int32Array, n: number, K: number): void {
  if (y.length !== n) throw new MlInputError(`There are ${y.length} labels for ${n} rows.`, 'Pass one label per row.');
  if (!Number.isInteger(K) || K < 2) throw new MlInputError(`K = ${K} classes: a classifier needs at least 2.`, 'Use a data set with two or more labels.');
  for (let i = 0; i < n; i++) {
    const v = y[i];
    if (v < 0 || v >= K) throw new MlInputError(`Label ${v} of row ${i} is outside 0..${K - 1}.`, 'Number the classes 0..K-1.');
  }
}
