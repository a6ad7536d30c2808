import { describe, expect, it } from 'vitest';
import { DEMO_USAGE, parseDemoOptions } from '../src/demo/options.js';

const TOKEN = 'a-long-enough-token-0123456789';
const parse = (argv: string[], env: Record<string, string> = {}) => {
  const parsed = parseDemoOptions(argv, env);
  if (parsed.help) throw new Error('unexpected --help');
  return parsed.config.dashboard;
};

describe('pnpm demo -- --dashboard', () => {
  it('is off unless given', () => {
    expect(parse([])).toBeUndefined();
    expect(parse([], { SWITCHYARD_DASHBOARD_TOKEN: TOKEN })).toBeUndefined();
  });

  it('serves on 127.0.0.1:8080 when given without a value, last or before another option', () => {
    expect(parse(['--dashboard'])).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parse(['--', '--dashboard', '--sessions', '3'])).toEqual({ host: '127.0.0.1', port: 8080 });
  });

  it('takes host:port, and a token from --dashboard-token or the environment', () => {
    expect(parse(['--dashboard', '127.0.0.1:9001'])).toEqual({ host: '127.0.0.1', port: 9001 });
    expect(parse(['--dashboard=0.0.0.0:9002', '--dashboard-token', TOKEN])).toEqual({
      host: '0.0.0.0',
      port: 9002,
      token: TOKEN,
    });
    expect(parse(['--dashboard', '0.0.0.0:9003'], { SWITCHYARD_DASHBOARD_TOKEN: TOKEN })).toEqual({
      host: '0.0.0.0',
      port: 9003,
      token: TOKEN,
    });
  });

  it.each([
    [['--dashboard', '0.0.0.0:8080'], /not a loopback address, so the dashboard needs a token/],
    [['--dashboard', 'a:b:c'], /--dashboard must be host:port/],
    [['--dashboard', '127.0.0.1:8080', '--dashboard-token', 'short'], /at least 16 characters/],
    [['--dashboard-token', TOKEN], /--dashboard-token is for --dashboard/],
  ])('%j is refused', (argv, message) => {
    expect(() => parse(argv)).toThrow(message);
  });

  it('is in --help', () => {
    expect(DEMO_USAGE).toContain('--dashboard <value>');
    expect(DEMO_USAGE).toContain('--dashboard-token <value>');
    expect(DEMO_USAGE).toContain('SWITCHYARD_DASHBOARD_TOKEN');
  });
});
