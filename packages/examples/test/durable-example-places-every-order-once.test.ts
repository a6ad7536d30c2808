import { describe, expect, it } from 'vitest';
import { main, runDurableExample } from '../src/durable/main.js';

describe('pnpm example:durable', () => {
  it('places every order exactly once although its client is killed (SIGKILL) and resumed three times', async () => {
    const lines: string[] = [];
    const r = await runDurableExample({ orders: 240, crashes: 3, seed: 7, progress: (l) => lines.push(l) });
    expect(r.kills).toBe(3);
    expect(lines.filter((l) => l.includes('SIGKILL'))).toHaveLength(3);
    expect(r.duplicates).toBe(0);
    expect(r.lost).toBe(0);
    expect(r.placed + r.failed + r.unknown).toBeGreaterThanOrEqual(240);
    expect(r.requests).toBeGreaterThanOrEqual(r.placed);
  }, 120_000);

  it('rejects a bad option with exit code 2 and the help hint', async () => {
    let err = '';
    const code = await main(['--orders', '0'], {
      stdout: { write: () => true },
      stderr: { write: (s) => (err += s) },
    });
    expect(code).toBe(2);
    expect(err).toMatch(/orders/);
    expect(err).toMatch(/pnpm example:durable -- --help/);
  });
});
