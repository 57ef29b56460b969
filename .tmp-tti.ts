import puppeteer from 'puppeteer-core';
import { pathToFileURL } from 'node:url';
const b = await puppeteer.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox','--disable-gpu','--disable-dev-shm-usage'] });
for (const f of process.argv.slice(2)) for (let i = 0; i < 3; i++) {
  const p = await b.newPage(); await p.setViewport({ width: 1400, height: 1000 });
  await p.goto(pathToFileURL(f).href, { waitUntil: 'load', timeout: 0 });
  const t = await p.evaluate(() => Math.max(...['dmabench-charts-drawn','dmabench-table-ready'].map((n) => performance.getEntriesByName(n)[0]?.startTime ?? NaN)));
  const m = await p.metrics();
  console.log(f, t.toFixed(0), 'layout', (m.LayoutDuration!*1000).toFixed(0), 'task', (m.TaskDuration!*1000).toFixed(0), 'script', (m.ScriptDuration!*1000).toFixed(0));
  await p.close();
}
await b.close();
