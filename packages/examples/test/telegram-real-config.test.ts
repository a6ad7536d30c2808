import { describe, expect, it } from 'vitest';
import { main, missingVariables } from '../src/telegramReal.js';

// The script itself needs real Telegram and is never run here; only its refusal to start is.
describe('telegram-real without configuration', () => {
  it('names every missing variable and exits 2 without touching the network', async () => {
    let stderr = '';
    const code = await main({
      env: { API_ID: '12345', API_HASH: '  ' },
      stdout: { write: () => true },
      stderr: { write: (s: string) => (stderr += s) },
    });
    expect(code).toBe(2);
    expect(stderr).toContain('missing environment variables');
    expect(stderr).toMatch(/API_HASH: /);
    expect(stderr).toMatch(/SESSIONS_DIR: /);
    expect(stderr).toMatch(/RECIPIENTS: /);
    expect(stderr).not.toMatch(/API_ID: /);
  });

  it('reports nothing missing when everything is set', () => {
    expect(missingVariables({ API_ID: '1', API_HASH: 'h', SESSIONS_DIR: 'd', RECIPIENTS: '@a' })).toEqual([]);
  });
});
