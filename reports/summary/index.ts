// The summary at the top of a report (issue 13 item 2): `summarize` makes the structured result,
// `summaryText` and `summaryHtml` render it.
export { summarize } from './summarize.js';
export { summaryText, SUMMARY_TEXT_WIDTH } from './text.js';
export { summaryHtml } from './html.js';
export { TCG_WARNING, SOFT_ROCE_WARNING } from './warnings.js';
export type * from './types.js';
