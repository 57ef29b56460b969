// Headless Chromium for the browser tests: Debian's `chromium` (or DMABENCH_CHROMIUM), driven by
// puppeteer-core. Root (CI, the lab host) cannot use Chromium's sandbox; /dev/shm is small in
// containers; the machines have no network, so Chromium's own background traffic is switched off.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

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

/**
 * A full-page screenshot of everything on the page. Sections laid out only near the screen
 * (`content-visibility: auto`, as the report's comparison section) are not painted in a capture
 * beyond the viewport, so they are made visible first: the kept image then shows what a reader
 * scrolling down would see. Set through the element's style from script, which the pages'
 * Content-Security-Policy allows (an injected <style> it would block).
 */
export async function screenshotWholePage(page: Page, file: string): Promise<void> {
  await page.evaluate(() => {
    for (const element of document.querySelectorAll<HTMLElement>('*')) {
      if (getComputedStyle(element).contentVisibility === 'auto') element.style.contentVisibility = 'visible';
    }
  });
  await page.screenshot({ path: file, fullPage: true });
}
