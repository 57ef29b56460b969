// The skeleton every page of the site shares (not the run and compare pages, which are the
// report's own, reports/html/page.ts): a Content-Security-Policy that allows the site's own script
// files and nothing else (no inline script, no network), the report's stylesheet plus the site's,
// and a navigation bar. `root` is the relative path from the page to the site's root ('' or '../').
import { contentSecurityPolicy } from '../html/page.js';
import { escapeHtml } from '../html/escape.js';
import { PAGE_STYLE } from '../html/style.js';
import { SITE_PATHS } from './ids.js';

export const SITE_STYLE = `
nav.site { display: flex; gap: 1rem; font-size: .95rem; border-bottom: 1px solid #ddd; padding-bottom: .4rem; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: .8rem; }
.tile { border: 1px solid #ddd; border-radius: 4px; padding: .5rem .7rem; }
.tile.verdict-regression { border-color: #c62828; background: #fde2e1; }
.tile.verdict-improvement { border-color: #2e7d32; background: #dff3e3; }
.tile .cell { font-size: 12px; color: #555; overflow-wrap: anywhere; }
.tile .metric { font-weight: 600; overflow-wrap: anywhere; }
.tile .change { font-size: 1.2rem; font-variant-numeric: tabular-nums; }
.tile svg.spark { display: block; width: 100%; height: 36px; }
.regression { color: #b71c1c; } .improvement { color: #1b5e20; } .acknowledged { color: #666; }
table.runs td, table.regressions td { white-space: nowrap; } table.runs td.wrap, table.regressions td.wrap { white-space: normal; overflow-wrap: anywhere; }
code.bisect { user-select: all; }
.series-chart { position: relative; height: 420px; }
.unreadable li { color: #8a5a00; overflow-wrap: anywhere; }
`;

export interface SitePage {
  title: string;
  /** '' for a page at the root, '../' for one in a subfolder. */
  root: '' | '../';
  /** The body below the title, HTML its producer escaped. */
  body: string;
  /** Site-relative paths of the script files the page loads, in order (data shards first). */
  scripts?: readonly string[];
  generator: string;
}

/** Links to the site's index, regressions and runs, from a page at `root`. */
export function siteNav(root: '' | '../', title: string): string {
  const link = (p: string, text: string): string => `<a href="${escapeHtml(root + p)}">${escapeHtml(text)}</a>`;
  return `<nav class="site">${link(SITE_PATHS.index, title)}${link(SITE_PATHS.regressionsHtml, 'regressions')}${link(SITE_PATHS.runs, 'runs')}${link(SITE_PATHS.feed, 'feed')}</nav>`;
}

export function renderSitePage(page: SitePage, siteTitle: string): string {
  const scripts = (page.scripts ?? []).map((s) => `<script src="${escapeHtml(page.root + s)}"></script>`).join('\n');
  return (
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">' +
    `<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy('self')}">` +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<meta name="generator" content="${escapeHtml(page.generator)}">` +
    `<link rel="alternate" type="application/atom+xml" title="regressions" href="${escapeHtml(page.root + SITE_PATHS.feed)}">` +
    `<title>${escapeHtml(page.title)}</title><style>${PAGE_STYLE}${SITE_STYLE}</style></head>\n<body>` +
    siteNav(page.root, siteTitle) +
    `<h1>${escapeHtml(page.title)}</h1>\n` +
    page.body +
    `\n<footer><p>${escapeHtml(`Written by ${page.generator}.`)}</p></footer>` +
    (scripts === '' ? '' : `\n${scripts}`) +
    '\n</body></html>\n'
  );
}
