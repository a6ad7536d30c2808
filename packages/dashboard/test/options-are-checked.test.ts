import { ValidationError } from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { isLoopback, parseListenAddress, startDashboard } from '../src/index.js';
import { checkOptions } from '../src/options.js';
import { fleet } from './fleet.js';

const TOKEN = 'a-long-enough-token-0123456789';
const open: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const x of open.splice(0)) await x.close();
});

function started() {
  const { manager } = fleet(2);
  open.push({ close: () => manager.shutdown() });
  return manager;
}

describe('startDashboard options', () => {
  it('listens on 127.0.0.1 (port 8080) unless told otherwise', async () => {
    const manager = started();
    expect(checkOptions({ manager })).toMatchObject({ host: '127.0.0.1', port: 8080, token: undefined });
    const dashboard = await startDashboard({ manager, port: 0 });
    open.unshift(dashboard);
    expect(dashboard.host).toBe('127.0.0.1');
    expect(dashboard.url).toBe(`http://127.0.0.1:${dashboard.port}/`);
    expect(dashboard.port).toBeGreaterThan(0);
  });

  it.each(['0.0.0.0', '::', '192.168.1.20', 'dashboard.example.com'])(
    'refuses %s without a token, naming the token',
    async (host) => {
      const manager = started();
      const error = await startDashboard({ manager, host, port: 0 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).field).toBe('options.token');
      expect((error as ValidationError).reason).toMatch(/not a loopback address/);
    },
  );

  it('listens on another address with a token', async () => {
    const manager = started();
    const dashboard = await startDashboard({ manager, host: '0.0.0.0', port: 0, token: TOKEN });
    open.unshift(dashboard);
    expect(dashboard.url).toBe(`http://0.0.0.0:${dashboard.port}/`);
  });

  it.each([
    [{ token: 'short' }, 'options.token'],
    [{ token: 'has a space in it, sadly' }, 'options.token'],
    [{ port: 70_000 }, 'options.port'],
    [{ port: 1.5 }, 'options.port'],
    [{ host: '' }, 'options.host'],
    [{ clock: 5 }, 'options.clock'],
    [{ fleetSendsPerSecond: 0 }, 'options.fleetSendsPerSecond'],
    [{ colour: 'red' }, 'unknown option(s) "colour"'],
    [{ manager: {} }, 'options.manager'],
  ])('%j is a ValidationError naming %s', (bad, field) => {
    const manager = started();
    const error = (() => {
      try {
        checkOptions({ manager, ...(bad as object) });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toContain(field);
  });

  it('takes the fleet cap from the manager', () => {
    const manager = started();
    expect(checkOptions({ manager }).fleetSendsPerSecond).toBe(manager.fleetSendsPerSecond);
    expect(checkOptions({ manager, fleetSendsPerSecond: 12 }).fleetSendsPerSecond).toBe(12);
  });

  it('reads host:port as --dashboard gives it', () => {
    expect(parseListenAddress('127.0.0.1:8080')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parseListenAddress('0.0.0.0:9000')).toEqual({ host: '0.0.0.0', port: 9000 });
    expect(parseListenAddress('[::1]:81')).toEqual({ host: '::1', port: 81 });
    expect(parseListenAddress('localhost')).toEqual({ host: 'localhost', port: 8080 });
    expect(parseListenAddress(':0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(() => parseListenAddress('a:b:c')).toThrow(ValidationError);
    expect(() => parseListenAddress('host:99999')).toThrow(ValidationError);
  });

  it('knows a loopback address', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]'])
      expect(isLoopback(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', 'example.com', '128.0.0.1'])
      expect(isLoopback(h), h).toBe(false);
  });
});
