// The one error every parser of foreign tool output raises.

/** Raised by parsers for bad or truncated input; `dmabench ingest` turns it into exit code 2. */
export class ParseError extends Error {
  override name = 'ParseError';
}
