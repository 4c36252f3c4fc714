// `node out/scripts/bench/data.js [--mb 300]`: streams a generated CSV of about that many MB (quoted fields with
// commas and line breaks included) through openDataset and prints rows/s, MB/s and the peak RSS, to show that a
// large file is read in bounded memory. The file goes to .cache/ and is removed afterwards. Asserts nothing.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { openDataset } from '../../src/experiments/data';
import { repoRoot } from '../gen-model';

const { values } = parseArgs({ options: { mb: { type: 'string', default: '300' } } });

async function main(): Promise<void> {
  const file = path.join(repoRoot(), '.cache', 'bench-data.csv');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, 'id,text,label\n');
  const target = Number(values.mb) * 2 ** 20;
  let bytes = 0, i = 0;
  while (bytes < target) {
    const block: string[] = [];
    for (let k = 0; k < 10_000; k++, i++) block.push(`${i},"sentence ${i}, with a comma${i % 7 === 0 ? '\nand a second line' : ''} and ""quotes"" in it",class${i % 5}`);
    const s = block.join('\n') + '\n';
    fs.writeSync(fd, s);
    bytes += Buffer.byteLength(s);
  }
  fs.closeSync(fd);
  let peak = 0;
  const iv = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const ds = await openDataset(file);
  let n = 0;
  for await (const _ of ds.rows()) { if (++n % 100_000 === 0) peak = Math.max(peak, process.memoryUsage().rss); }
  const s = (performance.now() - t0) / 1000;
  const cu = process.cpuUsage(c0);
  const cpu = (cu.user + cu.system) / 1e6;
  clearInterval(iv);
  const info = ds.info();
  console.log(JSON.stringify({ mb: +(bytes / 2 ** 20).toFixed(0), rows: info.n, seconds: +s.toFixed(1), 'rows/s': Math.round(info.n / s), 'MB/s': +(bytes / 2 ** 20 / s).toFixed(1), 'CPU s': +cpu.toFixed(1), 'MB per CPU s': +(bytes / 2 ** 20 / cpu).toFixed(1), 'peak RSS MB': +(peak / 2 ** 20).toFixed(0), sha256: info.sha256.slice(0, 16) }));
  fs.rmSync(file);
}

main().catch((e) => { console.error(e); process.exit(1); });
