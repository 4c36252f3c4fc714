// Synthetic inspections for the inspector UI tests, built INSIDE the page (so every array is a real typed array and
// nothing large crosses the CDP boundary), plus a stand-in host that answers requestMatrix like the extension.
//
// The data is deterministic (hash-seeded) and shaped like a BERT run: [CLS] … [SEP] tokens with word pieces and
// punctuation; per layer/head row-stochastic attention of a few characteristic kinds (to [CLS], to [SEP], previous
// token, self, broad); the shares (toCls, toSep, toPunct, toSelf, entropy), the [CLS] rows and the rollout derived
// from that attention; pooled vectors with a few outlier dimensions; cosines derived from the vectors.
//
// Usage:
//   await installFixtures(w);                         // once per page
//   await postInspection(w, { seq: 1, L: 4, heads: 4, T: 24, H: 64 });
//   await startHost(w);                               // answer requestMatrix from the fixture
//   const v = await fx(w, (f) => f.last.inspection.clsMean[2]);

import { PROTOCOL_VERSION } from './harness.mjs';

/** Runs in the page: defines window.__fx. Self-contained (serialised by page.evaluate). */
function pageFixtures(version) {
  if (window.__fx) return;
  const WORDS = ['the', 'quick', 'brown', 'fox', 'jump', '##s', 'over', 'a', 'lazy', 'dog', ',', 'while', 'bert', 'read', '##s',
    'every', 'token', 'in', 'its', 'context', '.', 'attention', 'heads', 'focus', 'on', '[', 'cls', ']', 'and', 'punct', '##uation', '!'];
  const PUNCT = new Set([',', '.', '!', '[', ']']);

  // integer hash → [0, 1)
  const hash = (a, b, c, d) => {
    let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35);
    h = Math.imul(h ^ (h >>> 15), 0x27d4eb2f) ^ Math.imul(c + 0x165667b1, 0x85ebca77);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae3d) ^ Math.imul(d + 0x27d4eb2f, 0x9e3779b1);
    h ^= h >>> 16;
    return (h >>> 0) / 4294967296;
  };
  const gauss = (a, b, c, d) => {
    const u = Math.max(1e-9, hash(a, b, c, d)), v = hash(a + 7, b + 11, c + 13, d + 17);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  const cos = (x, xo, y, yo, n) => {
    let d = 0, a = 0, b = 0;
    for (let i = 0; i < n; i++) { d += x[xo + i] * y[yo + i]; a += x[xo + i] ** 2; b += y[yo + i] ** 2; }
    return a && b ? d / Math.sqrt(a * b) : NaN;
  };

  function tokens(T) {
    const out = [{ id: 101, text: '[CLS]', start: null, end: null, special: true }];
    let text = '', i = 0;
    while (out.length < T - 1) {
      const w = WORDS[i % WORDS.length];
      const piece = w.startsWith('##');
      const s = piece ? w.slice(2) : w;
      if (!piece && text.length && !PUNCT.has(w)) text += ' ';
      const start = text.length;
      text += s;
      out.push({ id: 1000 + (i % WORDS.length) * 37, text: w, start, end: start + s.length, special: false });
      i++;
    }
    out.push({ id: 102, text: '[SEP]', start: null, end: null, special: true });
    return { tokens: out.slice(0, T), text };
  }

  /** Everything derived from one configuration; large per-layer matrices are kept for the host stand-in. */
  function build(cfg) {
    const L = cfg.L ?? 4, heads = cfg.heads ?? 4, T = cfg.T ?? 24, H = cfg.H ?? 64, runId = cfg.runId ?? 1;
    const R = L + 1, D = 16;
    const { tokens: toks, text } = tokens(T);
    const sep = T - 1;
    const punct = toks.map((t) => PUNCT.has(t.text));

    // ---- attention: per layer [heads, T, T] row-stochastic, quantised for the answers
    const attnQ = [], attnScale = [], rollout = [];
    const clsRow = new Float32Array(L * heads * T);
    const shares = Object.fromEntries(['toCls', 'toSep', 'toPunct', 'toSelf', 'entropy'].map((k) => [k, new Float32Array(L * heads)]));
    const rolloutClsRow = new Float32Array(L * T);
    let prevRollout = null;
    const logits = new Float32Array(T);
    const exact = T <= 96;
    for (let l = 0; l < L; l++) {
      const layer = new Float32Array(heads * T * T);
      const meanHeads = new Float32Array(T * T);
      let max = 0;
      for (let h = 0; h < heads; h++) {
        const kind = (l * 7 + h * 3) % 5;          // 0 cls, 1 sep, 2 previous, 3 self, 4 broad
        let sCls = 0, sSep = 0, sPunct = 0, sSelf = 0, sEnt = 0;
        for (let q = 0; q < T; q++) {
          let m = -Infinity;
          for (let k = 0; k < T; k++) {
            let z = 2.2 * hash(l, h, q, k);
            if (k === 0 || k === sep) z += 1;
            if (kind === 0 && k === 0) z += 4;
            if (kind === 1 && k === sep) z += 4;
            if (kind === 2 && k === q - 1) z += 5;
            if (kind === 3 && k === q) z += 5;
            if (kind === 4 && punct[k]) z += 1.5;
            logits[k] = z;
            if (z > m) m = z;
          }
          let sum = 0;
          for (let k = 0; k < T; k++) { logits[k] = Math.exp(logits[k] - m); sum += logits[k]; }
          const base = (h * T + q) * T;
          for (let k = 0; k < T; k++) {
            const p = logits[k] / sum;
            layer[base + k] = p;
            meanHeads[q * T + k] += p / heads;
            if (p > max) max = p;
            if (p > 0) sEnt -= p * Math.log(p);
            if (punct[k]) sPunct += p;
          }
          sCls += layer[base]; sSep += layer[base + sep]; sSelf += layer[base + q];
        }
        clsRow.set(layer.subarray(h * T * T, h * T * T + T), (l * heads + h) * T);
        shares.toCls[l * heads + h] = sCls / T; shares.toSep[l * heads + h] = sSep / T;
        shares.toPunct[l * heads + h] = sPunct / T; shares.toSelf[l * heads + h] = sSelf / T;
        shares.entropy[l * heads + h] = sEnt / T;
      }
      const q8 = new Uint8Array(layer.length);
      for (let i = 0; i < layer.length; i++) q8[i] = Math.round((layer[i] / max) * 255);
      attnQ.push(q8); attnScale.push(max);
      // rollout: Â = ½(mean over heads) + ½I; R_l = Â_l R_{l-1} (exact for short texts; Â_l alone beyond 96 tokens)
      const hat = new Float32Array(T * T);
      for (let i = 0; i < T * T; i++) hat[i] = 0.5 * meanHeads[i];
      for (let i = 0; i < T; i++) hat[i * T + i] += 0.5;
      let rl = hat;
      if (exact && prevRollout) {
        rl = new Float32Array(T * T);
        for (let i = 0; i < T; i++) for (let k = 0; k < T; k++) {
          const a = hat[i * T + k];
          if (!a) continue;
          for (let j = 0; j < T; j++) rl[i * T + j] += a * prevRollout[k * T + j];
        }
      }
      prevRollout = rl;
      rollout.push(rl);
      rolloutClsRow.set(rl.subarray(0, T), l * T);
    }

    // ---- token states (low-dimensional stand-ins) → cos([CLS], token) and token × token cosine
    const states = new Float32Array(R * T * D);
    for (let r = 0; r < R; r++) for (let t = 0; t < T; t++) for (let d = 0; d < D; d++) {
      states[(r * T + t) * D + d] = gauss(900 + t, d, 0, 0) * (1 - r / (R + 1)) + gauss(901, d, r, 0) * (r / R) * 1.5 + 0.3 * gauss(t, d, r, 5);
    }
    const clsToken = new Float32Array(R * T);
    for (let r = 0; r < R; r++) for (let t = 0; t < T; t++) clsToken[r * T + t] = cos(states, r * T * D, states, (r * T + t) * D, D);

    // ---- pooled vectors [R, H] with outlier dimensions
    const outliers = [3 % H, Math.floor(H / 2), H - 5];
    const vec = (salt, mix) => {
      const v = new Float32Array(R * H);
      for (let r = 0; r < R; r++) for (let d = 0; d < H; d++) {
        let x = gauss(salt, d, r, 1) * (1 - mix) + gauss(1, d, r, 1) * mix;
        if (outliers.includes(d)) x += (d === outliers[0] ? -1 : 1) * (4 + r);
        v[r * H + d] = x;
      }
      return v;
    };
    const vectors = {
      cls: { data: vec(1, 1), dims: [R, H] },
      mean: { data: vec(2, 0.55), dims: [R, H] },
      meanWithSpecials: { data: vec(3, 0.65), dims: [R, H] },
      max: { data: vec(4, 0.2).map(Math.abs), dims: [R, H] },
      pooler: { data: new Float32Array(H), dims: [1, H] },
    };
    for (let d = 0; d < H; d++) vectors.pooler.data[d] = Math.tanh(0.4 * vectors.cls.data[(R - 1) * H + d]);
    const poolingNames = ['cls', 'mean', 'meanWithSpecials', 'max', 'pooler'];
    const norms = {};
    for (const p of poolingNames) {
      const t = vectors[p];
      norms[p] = new Float32Array(t.dims[0]);
      for (let r = 0; r < t.dims[0]; r++) { let s = 0; for (let d = 0; d < H; d++) s += t.data[r * H + d] ** 2; norms[p][r] = Math.sqrt(s); }
    }
    const P = poolingNames.length;
    const poolingCos = new Float32Array(R * P * P);
    for (let r = 0; r < R; r++) for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) {
      const a = vectors[poolingNames[i]], b = vectors[poolingNames[j]];
      const ra = a.dims[0] === 1 ? (r === R - 1 ? 0 : -1) : r, rb = b.dims[0] === 1 ? (r === R - 1 ? 0 : -1) : r;
      poolingCos[(r * P + i) * P + j] = ra < 0 || rb < 0 ? NaN : cos(a.data, ra * H, b.data, rb * H, H);
    }
    const clsMean = new Float32Array(R);
    for (let r = 0; r < R; r++) clsMean[r] = poolingCos[(r * P + 0) * P + 1];

    const attentionAvailable = cfg.attention !== false;
    const model = {
      ref: '/models/synthetic-bert', name: cfg.modelName ?? 'synthetic-bert', folder: '/models/synthetic-bert', onnxFile: 'model.onnx',
      modelType: 'bert', layers: L, heads, hidden: H, maxTokens: cfg.maxTokens ?? 512, vocabSize: 30522,
      inputs: ['input_ids', 'attention_mask', 'token_type_ids'],
      attentions: attentionAvailable ? { source: 'native', reason: 'attention probabilities are graph outputs' }
        : { source: 'unavailable', reason: cfg.attentionReason ?? 'the graph fuses attention into one operator' },
      hiddenStates: { source: 'native' }, hasPooler: true, poolingMode: null, randomWeights: cfg.randomWeights ?? false,
      warnings: cfg.warnings ?? [],
    };
    const summary = {
      rolloutClsRow: { data: rolloutClsRow, dims: [L, T] },
      toCls: { data: shares.toCls, dims: [L, heads] }, toSep: { data: shares.toSep, dims: [L, heads] },
      toPunct: { data: shares.toPunct, dims: [L, heads] }, toSelf: { data: shares.toSelf, dims: [L, heads] },
      entropy: { data: shares.entropy, dims: [L, heads] },
    };
    const inspection = {
      runId, model, text, tokens: toks,
      truncation: cfg.truncated
        ? { truncated: true, droppedTokens: cfg.droppedTokens ?? 37, keptChars: text.length, maxTokens: model.maxTokens }
        : { truncated: false, droppedTokens: 0, keptChars: text.length, maxTokens: model.maxTokens },
      layerIds: Array.from({ length: R }, (_, i) => i),
      vectors, norms, poolingCos: { data: poolingCos, dims: [R, P, P] }, poolingNames, clsMean,
      clsToken: { data: clsToken, dims: [R, T] },
      // cfg.summary false: the snapshot as the host first sends it (the shares and rollout rows come on requestAnalysis)
      attention: attentionAvailable ? { clsRow: { data: clsRow, dims: [L, heads, T] }, summary: cfg.summary === false ? null : summary } : null,
      timings: { tokenizeMs: 1.2, runMs: 48.5, analyseMs: 7.3, totalMs: 57 },
    };
    return { cfg: { L, heads, T, H, R, D, runId }, inspection, attnQ, attnScale, rollout, states, summary };
  }

  function compare(n, R) {
    const labels = ['A', 'B', 'C', 'D', 'E', 'F'].slice(0, n);
    const pins = labels.map((l, i) => ({ label: `${l}: text ${i + 1}`, text: `pinned text number ${i + 1} about ${['cats', 'dogs', 'stocks', 'rain', 'code', 'tea'][i]}` }));
    const mk = (salt, base) => {
      const m = new Float32Array(R * n * n);
      for (let r = 0; r < R; r++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
        const a = Math.min(i, j), b = Math.max(i, j);
        m[(r * n + i) * n + j] = i === j ? 1 : Math.min(0.999, base + 0.25 * hash(salt, a, b, r) - 0.02 * r);
      }
      return { data: m, dims: [R, n, n] };
    };
    return { pins, layerIds: Array.from({ length: R }, (_, i) => i), matrices: { cls: mk(1, 0.7), mean: mk(2, 0.45), max: mk(3, 0.6) } };
  }

  const fx = {
    last: null, built: null, seen: new WeakSet(), answered: [],
    /** A snapshot message for cfg; keeps the build for answers. */
    snapshotMessage(cfg = {}) {
      const b = cfg.reuse && fx.built ? fx.built : build(cfg);
      if (cfg.runId !== undefined) b.inspection.runId = cfg.runId;
      fx.built = b;
      const snapshot = {
        surface: cfg.surface ?? 'panel', status: cfg.status ?? 'done', seq: cfg.seq ?? 1,
        selection: { text: b.inspection.text, uri: 'file:///workspace/sample.txt', document: 'sample.txt', line: 2, character: 0, offset: 10 },
        message: cfg.message ?? null, progress: cfg.progress ?? null, ...(cfg.fix ? { fix: cfg.fix } : {}), model: cfg.model === undefined ? 'bert-mini' : cfg.model,
        inspection: cfg.noInspection ? null : b.inspection,
        compare: cfg.compare ? compare(cfg.compare, b.cfg.R) : null,
        options: { layer: -1, head: -1, measure: 'clsAttention', pooling: 'cls', followSelection: false, decorations: true, ...(cfg.options ?? {}) },
      };
      fx.last = snapshot;
      return { type: 'snapshot', version, snapshot };
    },
    /** The host's answer to a matrix request (runId as asked, or `runId` to fake a stale one). */
    answer(request, runId = request.runId) {
      const b = fx.built;
      const { T } = b.cfg;
      const req = { ...request, runId };
      if (request.kind === 'attention') {
        return { type: 'matrix', version, request: req, data: b.attnQ[request.layer], scale: b.attnScale[request.layer], dims: [b.cfg.heads, T, T] };
      }
      if (request.kind === 'rollout') return { type: 'matrix', version, request: req, data: b.rollout[request.layer], scale: 1, dims: [T, T] };
      const { D } = b.cfg, r = request.layer, m = new Float32Array(T * T);
      for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) m[i * T + j] = cos(b.states, (r * T + i) * D, b.states, (r * T + j) * D, D);
      return { type: 'matrix', version, request: req, data: m, scale: 1, dims: [T, T] };
    },
    /** The host's answer to requestAnalysis: the last snapshot again (seq + 1) with the summary; or analysisFailed with `error`. */
    answerAnalysis(runId, error) {
      if (error) return { type: 'analysisFailed', version, runId, error };
      const snap = fx.last;
      const insp = snap.inspection;
      fx.last = { ...snap, seq: snap.seq + 1, inspection: { ...insp, attention: { ...insp.attention, summary: fx.built.summary } } };
      return { type: 'snapshot', version, snapshot: fx.last };
    },
    /** Answers every requestMatrix and requestAnalysis the webview posts (after `delay` ms), like the extension host. */
    startHost(delay = 0) {
      if (fx.timer) return;
      fx.timer = setInterval(() => {
        // by identity, not index: tests clear the recorded messages
        for (const m of window.__harness.posted) {
          if ((m?.type !== 'requestMatrix' && m?.type !== 'requestAnalysis') || !fx.built || fx.seen.has(m)) continue;
          fx.seen.add(m);
          if (m.type === 'requestAnalysis') {
            setTimeout(() => { window.postMessage(fx.answerAnalysis(m.runId), '*'); fx.answered.push({ kind: 'analysis', runId: m.runId }); }, delay);
            continue;
          }
          const msg = fx.answer(m.request);
          setTimeout(() => { window.postMessage(msg, '*'); fx.answered.push(m.request); }, delay);
        }
      }, 4);
    },
    stopHost() { clearInterval(fx.timer); fx.timer = undefined; },
    cos,
  };
  Object.defineProperty(window, '__fx', { value: fx });
}

export async function installFixtures(w) {
  await w.page.evaluate(pageFixtures, PROTOCOL_VERSION);
}

/** Builds a synthetic inspection snapshot in the page and delivers it. */
export async function postInspection(w, cfg = {}) {
  await installFixtures(w);
  await w.page.evaluate((c) => { window.postMessage(window.__fx.snapshotMessage(c), '*'); }, cfg);
  await w.flush();
}

/** Starts the in-page host stand-in that answers requestMatrix. */
export async function startHost(w, delay = 0) {
  await installFixtures(w);
  await w.page.evaluate((d) => window.__fx.startHost(d), delay);
}

/** Delivers the fixture's answer to `request` (with `runId` to fake an answer for another run). */
export async function answerMatrix(w, request, runId = request.runId) {
  await w.page.evaluate(([r, id]) => { window.postMessage(window.__fx.answer(r, id), '*'); }, [request, runId]);
  await w.flush();
}

/** Evaluates `fn(window.__fx, arg)` in the page (plain data comes back). */
export async function fx(w, fn, arg) {
  return w.page.evaluate(([src, a]) => {
    const f = new Function(`return (${src})`)();
    return f(window.__fx, a);
  }, [fn.toString(), arg]);
}

/** The number format the webview prints (webview/widgets/dom.ts fmt). */
export function fmt(v) {
  if (Number.isNaN(v)) return 'n/a';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  const a = Math.abs(v);
  if (a >= 1e4 || (a !== 0 && a < 1e-3)) return v.toExponential(2);
  return v.toFixed(3);
}

/** Centre of cell (row, col) of a heatmap canvas, in CSS px from the canvas's top-left corner. */
export async function cellCenter(w, canvasSelector, row, col) {
  return w.locator(canvasSelector).first().evaluate((c, [r, k]) => ({
    x: Number(c.dataset.left) + (k + 0.5) * Number(c.dataset.cellW),
    y: Number(c.dataset.top) + (r + 0.5) * Number(c.dataset.cellH),
  }), [row, col]);
}

/** Moves the mouse over cell (row, col) and returns the tooltip text. */
export async function hoverCell(w, heatmapId, row, col) {
  const canvas = w.locator(`#${heatmapId}-canvas`);
  await canvas.scrollIntoViewIfNeeded();
  const p = await cellCenter(w, `#${heatmapId}-canvas`, row, col);
  await canvas.hover({ position: p });
  await w.page.waitForFunction((id) => !document.getElementById(`${id}-tooltip`).hidden, heatmapId);
  return w.text(`#${heatmapId}-tooltip`);
}
