// Looking at the head of a file (its first 64 KiB, see read-file.ts) to tell which tool wrote it.

/** Lines of the head without the last one (it may be cut in the middle). */
export function headLines(head: string, max = 200): string[] {
  const lines = head.split(/\r?\n/);
  if (!head.endsWith('\n')) lines.pop();
  return lines.slice(0, max);
}

/** Non-blank lines of the head that are not `#` comments. */
export function contentLines(head: string, max = 50): string[] {
  return headLines(head, 1000)
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .slice(0, max);
}
