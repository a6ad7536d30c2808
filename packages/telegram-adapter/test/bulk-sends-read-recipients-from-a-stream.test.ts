import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MemoryJournal, ValidationError } from '@switchyard/core';
import { from } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { type Recipients, recipientsFromFile } from '../src/index.js';
import type { MessageResult } from '../src/messageResult.js';
import { readSource } from '../src/recipientSource.js';
import { restartedManager, shutdownRestarted } from './restartedManager.js';
import { type ScriptedHarness, scriptedHarness } from './scriptedHarness.js';
import type { ScriptedTelegram } from './scriptedTelegram.js';
import { elapse, settle } from './settle.js';
import { tempDirs } from './tempDirs.js';

const users = Array.from({ length: 8 }, (_, i) => `person_${i}x`);

let h: ScriptedHarness | undefined;
const tempDir = tempDirs('stream-');
afterEach(async () => {
  await shutdownRestarted();
  await h?.manager.shutdown();
  h = undefined;
});

/** Every recipient got exactly one message, and nobody else got any. */
function deliveredOnceEach(telegram: ScriptedTelegram, expected: readonly string[]): void {
  const count = new Map<string, number>();
  for (const d of telegram.deliveries) count.set(d.peer, (count.get(d.peer) ?? 0) + 1);
  expect([...count.values()].every((n) => n === 1)).toBe(true);
  expect(count.size).toBe(expected.length);
}

/** An async generator over `rows` that counts what it gave and notes when it was closed. */
function counted<T>(rows: readonly T[]) {
  const state = { read: 0, closed: false };
  async function* source() {
    try {
      for (const row of rows) {
        state.read++;
        yield row;
      }
    } finally {
      state.closed = true;
    }
  }
  return { state, source };
}

describe('a bulk send from a stream, without a journal', () => {
  it('sends once to each distinct recipient of an AsyncIterable and streams every result', async () => {
    h = scriptedHarness({ sessions: 3, users });
    await h.ready();
    const { state, source } = counted([...users, users[0]!, 'not a username!']);
    const op = h.manager.sendTextMessagesBulk(source(), 'hello');
    const streamed: MessageResult[] = [];
    op.results$.subscribe((r) => streamed.push(r));
    const report = await h.settle(op);
    deliveredOnceEach(h.telegram, users);
    expect(report.summary).toMatchObject({ total: 9, sent: 8, skipped: 1, failed: 0 });
    // A stream's results are streamed, not kept: memory stays flat however long the source.
    expect(report.results.size).toBe(0);
    expect(streamed).toHaveLength(9);
    expect(new Set(streamed.map((r) => r.recipient))).toEqual(new Set([...users, 'not a username!']));
    expect(state).toEqual({ read: 10, closed: true });
  });

  it('takes an Observable and an Iterable as well', async () => {
    h = scriptedHarness({ sessions: 2, users });
    await h.ready();
    const a = await h.settle(h.manager.sendTextMessagesBulk(from(users.slice(0, 4)), 'hello'));
    const b = await h.settle(h.manager.sendTextMessagesBulk(new Set(users.slice(4)), 'hello'));
    expect(a.summary).toMatchObject({ total: 4, sent: 4 });
    expect(b.summary).toMatchObject({ total: 4, sent: 4 });
    deliveredOnceEach(h.telegram, users);
  });

  it('reads no further ahead of the sends than highWaterMark', async () => {
    h = scriptedHarness({ sessions: 2, users, delayMs: 1000 });
    await h.ready();
    let settled = 0;
    let ahead = 0;
    const state = { read: 0 };
    async function* source() {
      for (const u of users) {
        state.read++;
        ahead = Math.max(ahead, state.read - settled);
        yield u;
      }
    }
    const op = h.manager.sendTextMessagesBulk(source(), 'hello', { highWaterMark: 2 });
    op.results$.subscribe(() => settled++);
    await h.clock.advance(500);
    expect(state.read).toBeLessThan(users.length);
    expect(state.read - settled).toBeLessThanOrEqual(2);
    const report = await h.settle(op);
    expect(report.summary.sent).toBe(8);
    expect(ahead).toBeLessThanOrEqual(2);
  });

  it('stops reading when aborted, closes the source, and sends nothing more', async () => {
    h = scriptedHarness({ sessions: 1, users, delayMs: 1000 });
    await h.ready();
    let closed = false;
    let read = 0;
    // A source that gives two recipients, then waits for a next row that never comes.
    const source: AsyncIterable<string> = {
      [Symbol.asyncIterator]: () => ({
        next: () =>
          read < 2 ? Promise.resolve({ done: false, value: users[read++]! }) : new Promise(() => {}),
        return: async () => {
          closed = true;
          return { done: true, value: undefined };
        },
      }),
    };
    const controller = new AbortController();
    const op = h.manager.sendTextMessagesBulk(source, 'hello', { signal: controller.signal });
    await h.clock.advance(1500);
    controller.abort();
    const report = await h.settle(op);
    expect(closed).toBe(true);
    expect(report.summary.total).toBe(2);
    const delivered = h.telegram.deliveries.length;
    await h.clock.advance(60_000);
    expect(h.telegram.deliveries).toHaveLength(delivered);
  });

  it('refuses skipInvalid: false and a non-positive highWaterMark before reading anything', async () => {
    h = scriptedHarness({ sessions: 1, users });
    await h.ready();
    const { state, source } = counted(users);
    await expect(h.manager.sendTextMessagesBulk(source(), 'hi', { skipInvalid: false })).rejects.toThrow(
      /skipInvalid/,
    );
    await expect(h.manager.sendTextMessagesBulk(source(), 'hi', { highWaterMark: 0 })).rejects.toThrow(
      /highWaterMark/,
    );
    expect(state.read).toBe(0);
    expect(h.telegram.deliveries).toEqual([]);
  });
});

describe('a bulk send from a stream, in a campaign', () => {
  it('records rows as it reads them, and resumes by reading the same source again', async () => {
    const path = join(tempDir(), 'campaigns.sqlite');
    h = scriptedHarness({ sessions: 2, users, journal: path, delayMs: 1000 });
    await h.ready();
    const list = [...users, users[3]!, 'not a username!'];
    const first = h.manager.sendTextMessagesBulk(counted(list).source(), 'sale', { campaign: 'stream-sale' });
    await h.clock.advance(1500);
    await h.manager.shutdown();
    await first;
    const sentBefore = h.telegram.deliveries.length;
    expect(sentBefore).toBeGreaterThan(0);
    expect(sentBefore).toBeLessThan(users.length);
    const m = await restartedManager(h, path, ['s0', 's1']);
    // The rows read so far were recorded (a send cut off mid-request is still pending).
    const mid = await m.campaignStatus('stream-sale');
    expect(mid?.kind).toBe('send-text');
    expect(mid!.total).toBeGreaterThanOrEqual(sentBefore);
    expect(mid!.total).toBeLessThanOrEqual(9);
    expect(mid!.sent).toBeLessThanOrEqual(sentBefore);
    const again = counted(list);
    const streamed: MessageResult[] = [];
    const op = m.sendTextMessagesBulk(again.source(), 'sale', { campaign: 'stream-sale' });
    op.results$.subscribe((r) => streamed.push(r));
    const report = await settle(h.clock, op);
    deliveredOnceEach(h.telegram, users);
    expect(report.summary).toMatchObject({ total: 9, sent: 8, skipped: 1, unknown: 0 });
    expect(streamed.filter((r) => r.fromJournal === true)).toHaveLength(mid!.sent);
    expect(again.state.closed).toBe(true);
    expect(await m.campaignStatus('stream-sale')).toMatchObject({
      total: 9,
      sent: 8,
      skipped: 1,
      pending: 0,
    });

    // Run again when finished: the same report from the journal, nothing sent.
    const done = await settle(
      h.clock,
      m.sendTextMessagesBulk(from(list), 'sale', { campaign: 'stream-sale' }),
    );
    expect(done.summary).toMatchObject({ total: 9, sent: 8, skipped: 1 });
    expect(h.telegram.deliveries).toHaveLength(8);
  });

  /**
   * A stream campaign on one session sending once a second, stopped by shutdown after 2.5 s, and
   * a restarted manager. With `highWaterMark: 2` the source has not been read to its end then.
   */
  async function interrupted(
    campaign: string,
    source: () => Recipients = () => from(users),
    options: { highWaterMark?: number } = {},
  ) {
    const journal = new MemoryJournal();
    h = scriptedHarness({ sessions: 1, users, journal, delayMs: 1000 });
    await h.ready();
    const first = h.manager.sendTextMessagesBulk(source(), 'sale', { campaign, ...options });
    await elapse(h.clock, 2500);
    await h.manager.shutdown();
    await first;
    const sentBefore = h.telegram.deliveries.length;
    const status = await h.manager.campaignStatus(campaign);
    return { harness: h, sentBefore, status, m: await restartedManager(h, journal, ['s0']) };
  }

  it('refuses a resumed source whose rows changed order, before sending anything', async () => {
    const { harness, sentBefore, m } = await interrupted('reordered');
    const error = await settle(
      harness.clock,
      m.sendTextMessagesBulk(from([...users].reverse()), 'sale', { campaign: 'reordered' }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues[0]?.field).toBe('recipients');
    expect((error as Error).message).toMatch(/same recipients in the same order/);
    expect(harness.telegram.deliveries).toHaveLength(sentBefore);
  });

  it('is finished by resumeCampaign from the journal alone once its source was read to its end', async () => {
    const { harness, sentBefore, m } = await interrupted('read-whole');
    expect(sentBefore).toBeLessThan(users.length);
    const op = m.resumeCampaign('read-whole');
    const streamed: MessageResult[] = [];
    op.results$.subscribe((r) => streamed.push(r));
    const report = await settle(harness.clock, op);
    deliveredOnceEach(harness.telegram, users);
    expect(report.summary).toMatchObject({ total: 8, sent: 8 });
    expect(report.results.size).toBe(0);
    expect(streamed).toHaveLength(8);
  });

  it('is resumed by resumeCampaign from its file, read again, when it stopped part-way through it', async () => {
    const path = join(tempDir(), 'recipients.csv');
    writeFileSync(path, `username\n${users.join('\n')}\n`);
    const { harness, status, m } = await interrupted(
      'part-read-file',
      () => recipientsFromFile(path, { column: 'username' }),
      { highWaterMark: 2 },
    );
    expect(status?.total).toBeLessThan(users.length);
    const report = await settle(harness.clock, m.resumeCampaign('part-read-file'));
    deliveredOnceEach(harness.telegram, users);
    expect(report.summary).toMatchObject({ total: 8, sent: 8 });
  });

  it('cannot be resumed by resumeCampaign when stopped part-way through a source that is not a file', async () => {
    const { harness, sentBefore, status, m } = await interrupted('part-read', () => from(users), {
      highWaterMark: 2,
    });
    expect(status?.total).toBeLessThan(users.length);
    await expect(settle(harness.clock, m.resumeCampaign('part-read'))).rejects.toThrow(/same source/);
    expect(harness.telegram.deliveries).toHaveLength(sentBefore);
    // The same call with the same source finishes it.
    const report = await settle(
      harness.clock,
      m.sendTextMessagesBulk(from(users), 'sale', { campaign: 'part-read', highWaterMark: 2 }),
    );
    expect(report.summary).toMatchObject({ total: 8, sent: 8 });
    deliveredOnceEach(harness.telegram, users);
  });

  it('skips recipients the journal cannot key (empty, or over 1,000 characters) and sends the rest', async () => {
    h = scriptedHarness({ sessions: 2, users, journal: new MemoryJournal() });
    await h.ready();
    const odd = ['', 'x'.repeat(1001)];
    const streamed = await h.settle(
      h.manager.sendTextMessagesBulk(from([...odd, ...users.slice(0, 4)]), 'hi', { campaign: 'odd-stream' }),
    );
    const listed = await h.settle(
      h.manager.sendTextMessagesBulk([...odd, ...users.slice(4)], 'hi', { campaign: 'odd-list' }),
    );
    expect(streamed.summary).toMatchObject({ total: 6, sent: 4, skipped: 2 });
    expect(listed.summary).toMatchObject({ total: 6, sent: 4, skipped: 2 });
    deliveredOnceEach(h.telegram, users);
  });
});

describe('recipientsFromFile', () => {
  async function read(text: string, options?: Parameters<typeof recipientsFromFile>[1]): Promise<string[]> {
    const path = join(tempDir(), 'list.csv');
    writeFileSync(path, text);
    const out: string[] = [];
    for await (const r of recipientsFromFile(path, options)) out.push(r);
    return out;
  }

  it('reads one recipient per line, skipping blank lines and comments', async () => {
    expect(await read('alice_one\r\n\n# a comment\n bob_two \n+15551234567\n')).toEqual([
      'alice_one',
      'bob_two',
      '+15551234567',
    ]);
  });

  it('reads a column by position or by its name in the header, with quoted fields', async () => {
    const csv = 'name,username\n"Doe, Jane",jane_doe\n"Say ""hi""",sayhi_1\n';
    expect(await read(csv, { column: 'username' })).toEqual(['jane_doe', 'sayhi_1']);
    expect(await read(csv, { column: 0 })).toEqual(['name', 'Doe, Jane', 'Say "hi"']);
  });

  it('rejects a column the header does not have, or a bad position, naming column', async () => {
    await expect(read('name,username\na,b\n', { column: 'phone' })).rejects.toThrow(/column/);
    await expect(read('a\n', { column: -1 })).rejects.toBeInstanceOf(ValidationError);
  });

  it('feeds a campaign that a resume reads again from the start', async () => {
    const path = join(tempDir(), 'recipients.csv');
    writeFileSync(path, `username\n${users.join('\n')}\n`);
    const journal = new MemoryJournal();
    h = scriptedHarness({ sessions: 2, users, journal, delayMs: 1000 });
    await h.ready();
    const first = h.manager.sendTextMessagesBulk(recipientsFromFile(path, { column: 'username' }), 'hi', {
      campaign: 'from-file',
    });
    await h.clock.advance(1500);
    await h.manager.shutdown();
    await first;
    const m = await restartedManager(h, journal, ['s0', 's1']);
    const report = await settle(
      h.clock,
      m.sendTextMessagesBulk(recipientsFromFile(path, { column: 'username' }), 'hi', {
        campaign: 'from-file',
      }),
    );
    expect(report.summary).toMatchObject({ total: 8, sent: 8 });
    deliveredOnceEach(h.telegram, users);
  });
});

describe('readSource', () => {
  it('keeps nothing of the items it has given while the source goes on', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    let given: WeakRef<object> | undefined;
    let release: () => void = () => {};
    // A long source: it gives three rows, then waits (as a file does between reads).
    async function* source() {
      for (let i = 0; i < 3; i++) {
        const row = { row: i, padding: 'x'.repeat(1000) };
        given ??= new WeakRef(row);
        yield row;
      }
      await new Promise<void>((resolve) => (release = resolve));
    }
    const stop = new AbortController();
    const reader = readSource(source(), stop.signal);
    for (let i = 0; i < 3; i++) await reader.next();
    const waiting = reader.next();
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    // Racing each read against one promise that lives as long as the source kept every row.
    expect(given?.deref()).toBeUndefined();
    stop.abort();
    expect(await waiting).toEqual({ done: true, value: undefined });
    release();
  });
});
