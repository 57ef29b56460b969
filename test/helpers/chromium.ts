// Headless Chromium for the browser tests: Debian's `chromium` (or DMABENCH_CHROMIUM), driven by
// puppeteer-core. Root (CI, the lab host) cannot use Chromium's sandbox; /dev/shm is small in
// containers; the machines have no network, so Chromium's own background traffic is switched off.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import puppeteer, { type Browser } from 'puppeteer-core';

export const CHROMIUM = process.env.DMABENCH_CHROMIUM ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  assert.ok(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}: scripts/setup-host.sh installs it (Debian package chromium), or set DMABENCH_CHROMIUM`);
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
