import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** A file the dashboard serves, read once when it starts. */
export interface Asset {
  readonly type: string;
  readonly body: Buffer;
}

/** The page's own files: hand-written, served as they are (no build step). */
const PAGE = new URL('../page/', import.meta.url);

/**
 * Every static file by path: the page's script and style, and uPlot's browser build from the
 * installed `uplot` package (no bundler, no CDN). The page itself (`/`) is templated per request.
 */
export async function loadAssets(): Promise<{ readonly page: string; readonly files: Map<string, Asset> }> {
  const require = createRequire(import.meta.url);
  const uplot = (file: string) => require.resolve(`uplot/dist/${file}`);
  const files: [string, string, string][] = [
    ['/assets/dashboard.js', fileURLToPath(new URL('dashboard.js', PAGE)), 'text/javascript; charset=utf-8'],
    ['/assets/dashboard.css', fileURLToPath(new URL('dashboard.css', PAGE)), 'text/css; charset=utf-8'],
    ['/assets/uPlot.iife.min.js', uplot('uPlot.iife.min.js'), 'text/javascript; charset=utf-8'],
    ['/assets/uPlot.min.css', uplot('uPlot.min.css'), 'text/css; charset=utf-8'],
  ];
  const loaded = await Promise.all(
    files.map(async ([path, file, type]) => [path, { type, body: await readFile(file) }] as const),
  );
  return { page: await readFile(new URL('index.html', PAGE), 'utf8'), files: new Map(loaded) };
}

/** The page with its asset links carrying `query` (`?token=…` when a token is set) and its title. */
export function renderPage(template: string, query: string, title: string): string {
  return template.replaceAll('{{query}}', escapeHtml(query)).replaceAll('{{title}}', escapeHtml(title));
}

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}
