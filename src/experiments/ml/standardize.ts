// Feature standardisation as scikit-learn's StandardScaler: mean and population standard deviation (ddof 0) per
// column, fitted on the training rows only and applied to any rows. A column that is constant on the training rows
// gets sd 1 (so it maps to x − mean, not NaN); "constant" uses StandardScaler's bound on the rounding error of the
// variance, var ≤ n·ε·var + (n·ε·mean)², so a float32 column of one repeated value counts as constant.
import { checkShape, MlInputError } from './errors';

export interface Standardizer {
  d: number;
  mean: Float64Array;
  sd: Float64Array;
}

const EPS = 2.220446049250313e-16;

/** Fit on X's rows listed in `rows` (default: all n rows). Two passes in Float64. */
export function fitStandardizer(X: Float32Array | Float64Array, n: number, d: number, rows?: Int32Array): Standardizer {
  checkShape(X, n, d);
  const m = rows ? rows.length : n;
  if (m === 0) throw new MlInputError('Standardising needs at least one training row; there are none.', 'Use more texts or fewer folds.');
  const mean = new Float64Array(d);
  const sd = new Float64Array(d);
  for (let r = 0; r < m; r++) {
    const o = (rows ? rows[r] : r) * d;
    for (let j = 0; j < d; j++) mean[j] += X[o + j];
  }
  for (let j = 0; j < d; j++) mean[j] /= m;
  for (let r = 0; r < m; r++) {
    const o = (rows ? rows[r] : r) * d;
    for (let j = 0; j < d; j++) {
      const v = X[o + j] - mean[j];
      sd[j] += v * v;
    }
  }
  for (let j = 0; j < d; j++) {
    const v = sd[j] / m;
    const bound = m * EPS * v + (m * mean[j] * EPS) ** 2;
    sd[j] = v <= bound || !(v > 0) ? 1 : Math.sqrt(v);
  }
  return { d, mean, sd };
}

/** (x − mean) / sd of the listed rows (default all), as a new row-major Float64Array [rows × d], or into `out`. */
export function applyStandardizer(
  st: Standardizer, X: Float32Array | Float64Array, n: number, rows?: Int32Array, out?: Float64Array,
): Float64Array {
  const d = st.d;
  checkShape(X, n, d);
  const m = rows ? rows.length : n;
  const Z = out ?? new Float64Array(m * d);
  if (Z.length < m * d) throw new MlInputError(`The output buffer holds ${Z.length} values, fewer than ${m * d}.`);
  const { mean, sd } = st;
  for (let r = 0; r < m; r++) {
    const o = (rows ? rows[r] : r) * d;
    const p = r * d;
    for (let j = 0; j < d; j++) Z[p + j] = (X[o + j] - mean[j]) / sd[j];
  }
  return Z;
}
