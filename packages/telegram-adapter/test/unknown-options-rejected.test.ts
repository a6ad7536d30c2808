import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createTelegramClient } from '../src/createClient.js';
import { loadSessionsFromEnv, loadSessionsFromFolder, saveSessionFile } from '../src/sessionSources.js';
import { requestsMade, type ScriptedHarness, scriptedHarness } from './scriptedHarness.js';
import { sessionString } from './sessionString.js';

const API_HASH = '0123456789abcdef0123456789abcdef';

let h: ScriptedHarness | undefined;
afterEach(async () => {
  await h?.manager.shutdown();
  expect(h?.clock.pendingTimers() ?? 0).toBe(0);
  h = undefined;
});

/** A connected fleet on the scripted Telegram, with a public group `big_group` of 10 members. */
async function connectedHarness(): Promise<ScriptedHarness> {
  const harness = scriptedHarness({
    users: ['alice_one'],
    before: (telegram) => telegram.addChannel({ username: 'big_group', generatedMembers: 10 }),
  });
  await harness.ready();
  return harness;
}

/** Upload parts that reached Telegram. */
const uploads = (h: ScriptedHarness) =>
  h.telegram.requests.filter((r) => r.request.className.startsWith('upload.'));

/** The ValidationError `fn` throws or rejects with. */
async function validationError(fn: () => unknown): Promise<ValidationError> {
  try {
    await fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

const named = (field: string) => ({ field, reason: 'unknown option' });

describe('a misspelt option, or one of a feature not built yet, is an error naming the key', () => {
  it('new TelegramSessionManager(options), also inside retry, reconnect and limits', async () => {
    const e = await validationError(() => scriptedHarness({ delay: 1000 } as never));
    expect(e.issues).toEqual([named('options.delay')]);
    expect(e.message).toBe('options.delay: unknown option');
    for (const [option, field] of [
      [{ retry: { retries: 2, minTimeout: 5 } }, 'options.retry.minTimeout'],
      [
        { reconnect: { minDelayMs: 1, maxDelayMs: 2, factor: 2, jitter: 'full' } },
        'options.reconnect.jitter',
      ],
      [{ limits: { scraping: 2, joining: 1 } }, 'options.limits.joining'],
    ] as const) {
      expect((await validationError(() => scriptedHarness(option as never))).issues).toEqual([named(field)]);
    }
  });

  it('sendTextMessagesBulk sends nothing', async () => {
    h = await connectedHarness();
    const e = await validationError(() =>
      h!.settle(h!.manager.sendTextMessagesBulk(['alice_one'], 'hi', { delayMS: 5 } as never)),
    );
    expect(e.issues).toEqual([named('options.delayMS')]);
    expect(requestsMade(h.telegram)).toHaveLength(0);
  });

  it('sendMediaMessagesBulk sends and uploads nothing', async () => {
    h = await connectedHarness();
    const e = await validationError(() =>
      h!.settle(
        h!.manager.sendMediaMessagesBulk(['alice_one'], '/nonexistent.png', 'image', {
          caption: 'x',
          spoiler: true,
        } as never),
      ),
    );
    expect(e.issues).toEqual([named('options.spoiler')]);
    expect(requestsMade(h.telegram)).toHaveLength(0);
    expect(uploads(h)).toHaveLength(0);
  });

  it('scrapeGroupMembers and joinAndScrapeGroup, also inside output', async () => {
    h = await connectedHarness();
    const scrape = await validationError(() =>
      h!.settle(h!.manager.scrapeGroupMembers('big_group', { limit: 5 } as never)),
    );
    expect(scrape.issues).toEqual([named('options.limit')]);
    const join = await validationError(() =>
      h!.settle(
        h!.manager.joinAndScrapeGroup('big_group', {
          output: { path: '/tmp/x.csv', format: 'csv', append: true },
        } as never),
      ),
    );
    expect(join.issues).toEqual([named('options.output.append')]);
    expect(requestsMade(h.telegram)).toHaveLength(0);
  });

  it('bulkScrapeGroups and safeBulkScrapeWithRotation', async () => {
    h = await connectedHarness();
    const bulk = await validationError(() =>
      h!.settle(h!.manager.bulkScrapeGroups(['big_group'], { outputFormat: 'csv' } as never)),
    );
    expect(bulk.issues).toEqual([named('options.outputFormat')]);
    const rotation = await validationError(() =>
      h!.settle(h!.manager.safeBulkScrapeWithRotation(['big_group'], { rotate: true } as never)),
    );
    expect(rotation.issues).toEqual([named('options.rotate')]);
    expect(requestsMade(h.telegram)).toHaveLength(0);
  });

  it('loadSessionsFromFolder and loadSessionsFromEnv', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sessions-'));
    await saveSessionFile(dir, 'alpha', await sessionString(1));
    const folder = await validationError(() =>
      loadSessionsFromFolder(dir, { apiId: 1, apiHash: API_HASH, apiHsh: API_HASH } as never),
    );
    expect(folder.issues).toEqual([named('options.apiHsh')]);
    const env = {
      TELEGRAM_API_ID: '1',
      TELEGRAM_API_HASH: API_HASH,
      TELEGRAM_SESSION_A: await sessionString(),
    };
    const fromEnv = await validationError(() => loadSessionsFromEnv({ retries: 2 } as never, env));
    expect(fromEnv.issues).toEqual([named('options.retries')]);
  });

  it('createTelegramClient', async () => {
    const e = await validationError(() =>
      createTelegramClient('', { apiId: 1, apiHash: API_HASH, floodSleepThreshold: 60 } as never),
    );
    expect(e.issues).toEqual([named('options.floodSleepThreshold')]);
  });
});
