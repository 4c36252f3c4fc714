// An experiment result as CSV: one table per result (RFC 4180 quoting, numbers at full precision, empty cells for
// values that do not apply). Recovery has several parts; its rows carry a `part` column.
import type { ExperimentResult } from '../shared/experiments';

type Cell = string | number | boolean | null | undefined;

export interface CsvTable {
  header: string[];
  rows: Cell[][];
}

function cell(v: Cell): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvText(t: CsvTable): string {
  return [t.header, ...t.rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

/** The result's rows as one table. */
export function resultTable(r: ExperimentResult): CsvTable {
  switch (r.kind) {
    case 'probe':
      return {
        header: ['layer', 'pooling', 'accuracy', 'accuracyStd', 'macroF1', 'controlAccuracy', 'selectivity', 'majority'],
        rows: r.results.map((x) => [x.layer, x.pooling, x.accuracy, x.accuracyStd, x.macroF1, x.control.accuracy, x.selectivity, r.majority]),
      };
    case 'position':
      return {
        header: ['layer', 'variant', 'cosine', 'cosineStd', 'accuracy', 'clsAccuracy', 'majority'],
        rows: r.rows.map((x) => [x.layer, x.variant, x.cosine, x.cosineStd, x.accuracy, x.clsAccuracy, r.majority]),
      };
    case 'layers':
      return {
        header: ['layer', 'clsMean', 'clsToken', 'clsNorm', 'tokenNorm', 'anisotropyCls', 'anisotropyMean', 'anisotropyToken'],
        rows: r.rows.map((x) => [x.layer, x.clsMean, x.clsToken, x.clsNorm, x.tokenNorm, x.anisotropy.cls, x.anisotropy.mean, x.anisotropy.token]),
      };
    case 'census': {
      const [L, Hd] = r.toCls.dims;
      const rows: Cell[][] = [];
      for (let l = 0; l < L; l++) {
        for (let h = 0; h < Hd; h++) {
          const i = l * Hd + h;
          rows.push([l + 1, h, r.toCls.data[i], r.toSep.data[i], r.toPunct.data[i], r.toSelf.data[i], r.entropy.data[i], r.sinks.some((s) => s.layer === l + 1 && s.head === h)]);
        }
      }
      return { header: ['layer', 'head', 'toCls', 'toSep', 'toPunct', 'toSelf', 'entropy', 'sink'], rows };
    }
    case 'recover': {
      const rows: Cell[][] = [];
      for (const b of r.bow.rows) rows.push(['bow', b.layer, b.pooling, 'precisionAtK', b.precisionAtK, '', '']);
      for (const b of r.bow.rows) rows.push(['bow', b.layer, b.pooling, 'recallAtK', b.recallAtK, '', '']);
      rows.push(['bowBaseline', '', '', 'precisionAtK', r.bow.baseline.precisionAtK, '', '']);
      rows.push(['bowBaseline', '', '', 'recallAtK', r.bow.baseline.recallAtK, '', '']);
      for (const x of r.identification) rows.push(['identification', x.layer, x.pooling, 'accuracy', x.accuracy, '', ''], ['identification', x.layer, x.pooling, 'chance', x.chance, '', '']);
      r.occlusion.forEach((o, ti) => o.tokens.forEach((tok, k) => {
        rows.push(['occlusion', r.model.layers, 'cls', '1-cos', o.cls[k], ti, tok], ['occlusion', r.model.layers, 'mean', '1-cos', o.mean[k], ti, tok]);
      }));
      r.mlm.texts.forEach((t, ti) => t.top.forEach((x) => rows.push(['mlm', r.model.layers, 'cls', 'p', x.p, ti, x.token])));
      return { header: ['part', 'layer', 'pooling', 'measure', 'value', 'text', 'token'], rows };
    }
    case 'map': {
      const rows: Cell[][] = [];
      for (const mp of r.maps) {
        for (let i = 0; i < r.texts.length; i++) rows.push([mp.layer, mp.pooling, i, r.labels[r.labelOf[i]], mp.xy[2 * i], mp.xy[2 * i + 1], r.texts[i]]);
      }
      return { header: ['layer', 'pooling', 'index', 'label', 'x', 'y', 'text'], rows };
    }
  }
}

export function resultCsv(r: ExperimentResult): string {
  return csvText(resultTable(r));
}
