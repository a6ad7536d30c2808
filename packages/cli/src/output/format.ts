/**
 * `1h 02m`, `4m 05s`, `12.3s`, `850 ms`; `∞` for an infinite duration, and `0 ms` for a negative
 * one (never `-3 ms`).
 */
export function duration(ms: number): string {
  if (!Number.isFinite(ms)) return '∞';
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** A progress bar of `width` cells, drawn in eighths of a cell; `fraction` is clamped to 0–1. */
export function bar(fraction: number, width: number): string {
  const f = Math.min(1, Math.max(0, fraction));
  const full = Math.floor(f * width);
  const partial = ' ▏▎▍▌▋▊▉'[Math.floor((f * width - full) * 8)] ?? '';
  return `${'█'.repeat(full)}${full < width ? partial : ''}`.padEnd(width, ' ');
}
