/**
 * A Markdown table whose columns line up in a terminal as well as when rendered: every cell
 * padded to its column's width, columns whose `align` is `'right'` (numbers) padded on the
 * left and marked `--:`.
 *
 * @example
 * ```ts
 * markdownTable(['strategy', 'p99'], ['left', 'right'], [['round-robin', '208 ms'], ['adaptive', '1470 ms']]);
 * // | strategy    |     p99 |
 * // | ----------- | ------: |
 * // | round-robin |  208 ms |
 * // | adaptive    | 1470 ms |
 * ```
 */
export function markdownTable(
  header: readonly string[],
  align: readonly ('left' | 'right')[],
  rows: readonly (readonly string[])[],
): string {
  // Three dashes at least, which Markdown needs for the separator row.
  const widths = header.map((h, i) => Math.max(3, h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const right = (i: number) => align[i] === 'right';
  const line = (cells: readonly string[]) =>
    `| ${widths.map((w, i) => (right(i) ? (cells[i] ?? '').padStart(w) : (cells[i] ?? '').padEnd(w))).join(' | ')} |`;
  const separator = `| ${widths.map((w, i) => (right(i) ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
  return [line(header), separator, ...rows.map(line)].join('\n');
}
