// Escaping for the HTML report (issue 13 item 7). Every string that comes from a bundle (labels,
// host names, command lines, cell, metric and function names) reaches the page through one of
// these; nothing from a bundle is ever written into the page's markup unescaped.

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text for an element's content or a quoted attribute value: & < > " ' escaped. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/**
 * JSON for a `<script type="application/json">` data block. `<` and `>` are escaped so no text can
 * close the element (`</script>`) or open a comment (`<!--`), `&` so no entity is ever read, and
 * U+2028 / U+2029 because they end a line in older JavaScript parsers. Each is a `\uXXXX` escape
 * inside a JSON string (the only place JSON can hold them), so JSON.parse gives back the same value.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Refuses script text that would end its element early or switch the parser into a state where
 * the closing tag is not seen (`<!--`), and text the HTML parser would change (a carriage return
 * becomes a line feed, a NUL a replacement character), which would no longer match its hash in
 * the Content-Security-Policy: our own scripts and chart.js are checked before inlining.
 */
export function assertInlineScript(name: string, source: string): string {
  if (/<\/script|<!--/i.test(source)) throw new Error(`${name} contains </script or <!--: it cannot be inlined in a <script> element`);
  if (/[\r\0]/.test(source)) throw new Error(`${name} contains a carriage return or NUL, which the HTML parser changes: its hash would not match`);
  return source;
}
