import { closeSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { JournalOpenError, ValidationError } from '@switchyard/core';
import { JOURNAL_SCHEMA_VERSION, SqliteJournal } from '@switchyard/core/sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { type ScriptedHarness, scriptedHarness } from './scriptedHarness.js';
import { tempDirs } from './tempDirs.js';

const users = ['alice_one', 'bob_twooo'];
let h: ScriptedHarness | undefined;
const tempDir = tempDirs('campaign-bad-');
afterEach(async () => {
  await h?.manager.shutdown();
  h = undefined;
});

/** The manager's constructor throws; the scripted Telegram saw no connection and no request. */
function refusedAtConstruction(journal: unknown): unknown {
  let telegram: ScriptedHarness['telegram'] | undefined;
  let error: unknown;
  try {
    scriptedHarness({
      sessions: 1,
      users,
      journal: journal as string,
      before: (tg) => {
        telegram = tg;
      },
    });
  } catch (e) {
    error = e;
  }
  expect(telegram?.connects).toEqual([]);
  expect(telegram?.requests).toEqual([]);
  return error;
}

describe('a journal that cannot be used', () => {
  it('in a folder that does not exist: JournalOpenError at construction, naming the folder', () => {
    const missing = join(tempDir(), 'no-such-folder', 'campaigns.sqlite');
    const error = refusedAtConstruction(missing);
    expect(error).toBeInstanceOf(JournalOpenError);
    expect((error as Error).message).toContain('no-such-folder');
    expect((error as Error).message).toContain('does not exist');
  });

  it('a file that is not a SQLite journal: JournalOpenError at construction', () => {
    const path = join(tempDir(), 'campaigns.sqlite');
    writeFileSync(path, 'this is not a database, just some text that is long enough to look like a header');
    expect(refusedAtConstruction(path)).toBeInstanceOf(JournalOpenError);
    expect(refusedAtConstruction({ path, synchronous: 'full' })).toBeInstanceOf(JournalOpenError);
  });

  it('a path under a file rather than a folder: JournalOpenError at construction, naming the path', () => {
    const file = join(tempDir(), 'not-a-folder');
    writeFileSync(file, 'a file');
    const error = refusedAtConstruction(join(file, 'campaigns.sqlite'));
    expect(error).toBeInstanceOf(JournalOpenError);
    expect((error as Error).message).toContain('not-a-folder');
  });

  it('a journal written by a newer version: JournalOpenError at construction, the file untouched', async () => {
    const path = join(tempDir(), 'campaigns.sqlite');
    await new SqliteJournal(path).close();
    // The schema version is SQLite's user_version: 4 bytes, big-endian, at offset 60 of the header.
    const fd = openSync(path, 'r+');
    const version = Buffer.alloc(4);
    version.writeUInt32BE(JOURNAL_SCHEMA_VERSION + 1);
    writeSync(fd, version, 0, 4, 60);
    closeSync(fd);
    const before = readFileSync(path);
    const error = refusedAtConstruction(path);
    expect(error).toBeInstanceOf(JournalOpenError);
    expect((error as Error).message).toMatch(/newer than this version of Switchyard reads/);
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('of the wrong type or with a bad synchronous: ValidationError naming options.journal', () => {
    for (const bad of [
      42,
      '',
      { path: join(tempDir(), 'j.sqlite'), synchronous: 'sometimes' },
      { open: 1 },
    ]) {
      const error = refusedAtConstruction(bad);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues[0]?.field).toMatch(/^options\.journal/);
    }
  });
});

describe('a campaign id that cannot be used', () => {
  async function refused(op: PromiseLike<unknown>): Promise<ValidationError> {
    const error = await h!.settle(op).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.field)).toEqual(['campaign']);
    expect(h!.telegram.deliveries).toEqual([]);
    return error as ValidationError;
  }

  it('without a journal: a ValidationError naming campaign that says a journal is needed; nothing is sent', async () => {
    h = scriptedHarness({ sessions: 1, users });
    await h.ready();
    const error = await refused(h.manager.sendTextMessagesBulk(users, 'hi', { campaign: 'spring-sale' }));
    expect(error.issues[0]?.reason).toContain('journal');
    await refused(h.manager.resumeCampaign('spring-sale'));
    await expect(h.manager.campaignStatus('spring-sale')).rejects.toBeInstanceOf(ValidationError);
    await expect(h.manager.listCampaigns()).rejects.toBeInstanceOf(ValidationError);
  });

  it('empty, too long or not a string: a ValidationError naming campaign; nothing is sent', async () => {
    h = scriptedHarness({ sessions: 1, users, journal: join(tempDir(), 'campaigns.sqlite') });
    await h.ready();
    for (const id of ['', 'x'.repeat(201), 7]) {
      await refused(h.manager.sendTextMessagesBulk(users, 'hi', { campaign: id as string }));
    }
    expect(await h.manager.listCampaigns()).toEqual([]);
    // 200 characters is allowed.
    const ok = await h.settle(h.manager.sendTextMessagesBulk(users, 'hi', { campaign: 'x'.repeat(200) }));
    expect(ok.summary.sent).toBe(2);
  });
});
