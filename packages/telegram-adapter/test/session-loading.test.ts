import { mkdtemp, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '@switchyard/core';
import { TelegramClient } from 'telegram';
import { describe, expect, it } from 'vitest';
import {
  loadSessionsFromEnv,
  loadSessionsFromFolder,
  resolveCredentials,
  saveSessionFile,
  sessionsFromArray,
} from '../src/sessionSources.js';
import { sessionString } from './sessionString.js';

const API_HASH = '0123456789abcdef0123456789abcdef';

const settings = (client: unknown) =>
  client as { _floodSleepThreshold: number; _connectionRetries: number; _autoReconnect: boolean };

describe('loading sessions', () => {
  it('loads every *.session file in a folder as a TelegramClient with floodSleepThreshold 0 and finite retries', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sessions-'));
    await saveSessionFile(dir, 'alpha', await sessionString(1));
    await saveSessionFile(dir, 'beta', await sessionString(2));
    await writeFile(join(dir, 'notes.txt'), 'ignored');
    const sessions = await loadSessionsFromFolder(dir, {
      apiId: 12345,
      apiHash: API_HASH,
      connectionRetries: 2,
    });
    expect(sessions.map((s) => s.name)).toEqual(['alpha', 'beta']);
    for (const { client } of sessions) {
      expect(client).toBeInstanceOf(TelegramClient);
      expect(settings(client)._floodSleepThreshold).toBe(0);
      expect(settings(client)._connectionRetries).toBe(2);
      expect(settings(client)._autoReconnect).toBe(false);
      expect(client.connected).toBeFalsy();
    }
  });

  it('creates session files readable by their owner only (0600), also when the file existed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sessions-'));
    await writeFile(join(dir, 'gamma.session'), 'old', { mode: 0o644 });
    const path = await saveSessionFile(dir, 'gamma', await sessionString());
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('loads from environment variables, taking apiId/apiHash from the environment', async () => {
    const env = {
      TELEGRAM_API_ID: '777',
      TELEGRAM_API_HASH: API_HASH,
      TELEGRAM_SESSION_MAIN: await sessionString(3),
      TELEGRAM_SESSIONS: `extra=${await sessionString(4)}`,
    };
    const sessions = loadSessionsFromEnv({}, env);
    expect(sessions.map((s) => s.name)).toEqual(['extra', 'main']);
    expect(settings(sessions[0]!.client)._floodSleepThreshold).toBe(0);
  });

  it('names the field and the reason, and never repeats a secret in the error', async () => {
    const secret = await sessionString(9);
    const env = {
      TELEGRAM_API_ID: '777',
      TELEGRAM_API_HASH: 'not-a-hash-SECRETVALUE',
      TELEGRAM_SESSION_X: secret,
    };
    const e1 = (() => {
      try {
        loadSessionsFromEnv({}, env);
      } catch (e) {
        return e;
      }
    })() as ValidationError;
    expect(e1).toBeInstanceOf(ValidationError);
    expect(e1.field).toBe('credentials.apiHash');
    expect(JSON.stringify({ message: e1.message, issues: e1.issues })).not.toContain('SECRETVALUE');
    const e2 = (() => {
      try {
        loadSessionsFromEnv({}, { ...env, TELEGRAM_API_HASH: API_HASH, TELEGRAM_SESSION_X: `x${secret}` });
      } catch (e) {
        return e;
      }
    })() as ValidationError;
    expect(e2.field).toBe('env.TELEGRAM_SESSION_X');
    expect(JSON.stringify({ message: e2.message, issues: e2.issues })).not.toContain(secret.slice(1, 40));
  });

  it('validates [{ name, client }] lists', () => {
    expect(() => sessionsFromArray([])).toThrow(/at least one session/);
    expect(() => sessionsFromArray([{ name: 'a', client: {} }])).toThrow(/sessions.0.client/);
    const client = { invoke: () => {}, addEventHandler: () => {} };
    expect(() =>
      sessionsFromArray([
        { name: 'a', client },
        { name: 'a', client },
      ]),
    ).toThrow(/duplicate session name/);
    expect(() => resolveCredentials({ apiId: -1, apiHash: API_HASH }, {})).toThrow(/apiId must be positive/);
  });
});
