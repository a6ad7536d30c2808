import { Api } from 'telegram';
import { afterEach, describe, expect, it } from 'vitest';
import { mediaFile, png } from './mediaFiles.js';
import { type ScriptedHarness, scriptedHarness } from './scriptedHarness.js';
import type { FaultContext } from './scriptedTelegram.js';

let h: ScriptedHarness | undefined;
afterEach(async () => {
  await h?.manager.shutdown();
  expect(h?.clock.pendingTimers() ?? 0).toBe(0);
  h = undefined;
});

const usernames = (n: number) => Array.from({ length: n }, (_, i) => `member_${String(i).padStart(4, '0')}`);
const isUpload = (r: Api.AnyRequest) =>
  r instanceof Api.upload.SaveFilePart || r instanceof Api.upload.SaveBigFilePart;
const uploads = (h: ScriptedHarness) => h.telegram.requests.filter((r) => isUpload(r.request));
const sendsWith = (h: ScriptedHarness, cls: abstract new (...args: never[]) => unknown) =>
  h.telegram.deliveries.filter((d) => (d.request as Api.messages.SendMedia).media instanceof cls);

/** Every recipient got exactly one message, with a photo. */
function eachGotOnePhoto(h: ScriptedHarness, names: readonly string[]) {
  for (const name of names) {
    const got = h.telegram.deliveriesTo(`user:${h.telegram.user(name)!.id}`);
    expect(got).toHaveLength(1);
    expect(got[0]!.media).toBeInstanceOf(Api.MessageMediaPhoto);
  }
}

describe('a bulk media send', () => {
  it('uploads the file once per session and then sends the photo by id: 300 recipients are not 300 uploads', async () => {
    const names = usernames(300);
    h = scriptedHarness({ sessions: 3, users: names });
    await h.ready();
    const path = await mediaFile('offer.png', png(300 * 1024));
    const report = await h.settle(h.manager.sendMediaMessagesBulk(names, path, 'image'));
    expect(report.summary).toMatchObject({ sent: 300, failed: 0 });
    eachGotOnePhoto(h, names);
    // 300 KB is 3 parts of 128 KB (GramJS's part size below 100 MB): 3 per session.
    const sessions = new Set(h.telegram.deliveries.map((d) => d.session));
    expect(uploads(h)).toHaveLength(3 * sessions.size);
    // Only the sends that started before a session's first send came back carried the upload
    // (at most a session's capacity, 4); every other one reused the photo by id.
    const fresh = sendsWith(h, Api.InputMediaUploadedPhoto);
    expect(fresh.length).toBeGreaterThanOrEqual(sessions.size);
    expect(fresh.length).toBeLessThanOrEqual(4 * sessions.size);
    expect(sendsWith(h, Api.InputMediaPhoto)).toHaveLength(300 - fresh.length);
    // Reused per session: a photo id a session sends is one that session itself made.
    for (const d of sendsWith(h, Api.InputMediaPhoto)) {
      const id = ((d.request as Api.messages.SendMedia).media as Api.InputMediaPhoto).id as Api.InputPhoto;
      const madeBy = fresh.find(
        (f) => (f.media as Api.MessageMediaPhoto).photo!.id.toString() === id.id.toString(),
      );
      expect(madeBy?.session).toBe(d.session);
    }
    // Hundreds of sends through real GramJS clients: more than the default 5 s of real time on a busy machine.
  }, 30_000);

  it('outlives its upload: a campaign longer than Telegram keeps uploaded parts sends by id and needs no second upload', async () => {
    const names = usernames(90);
    // One send a minute on one session: 90 minutes, while parts are kept 1 hour.
    h = scriptedHarness({ sessions: 1, users: names, delayMs: 60_000 });
    await h.ready();
    const path = await mediaFile('offer.png', png());
    const report = await h.settle(h.manager.sendMediaMessagesBulk(names, path, 'image'));
    expect(report.summary).toMatchObject({ sent: 90, failed: 0 });
    expect(h.clock.now()).toBeGreaterThan(h.telegram.uploadTtlMs);
    eachGotOnePhoto(h, names);
    expect(uploads(h)).toHaveLength(1);
  });

  it('uploads again when Telegram no longer has the parts (FILE_PART_0_MISSING), and sends each message once', async () => {
    const names = usernames(3);
    h = scriptedHarness({ sessions: 1, users: names, sessionCapacity: 1, uploadTimeoutMs: 4 * 3600_000 });
    await h.ready();
    // The first send reaches Telegram two hours after the upload: its parts are gone by then.
    let held = false;
    h.telegram.onRequest = (ctx: FaultContext) => {
      if (!(ctx.request instanceof Api.messages.SendMedia) || held) return;
      held = true;
      return new Promise<void>((resolve) => h!.clock.setTimeout(resolve, 2 * 3600_000));
    };
    const path = await mediaFile('offer.png', png());
    const report = await h.settle(h.manager.sendMediaMessagesBulk(names, path, 'image'));
    expect(report.summary).toMatchObject({ sent: 3, failed: 0 });
    eachGotOnePhoto(h, names);
    expect(uploads(h)).toHaveLength(2);
    const refused = h.telegram.requests.filter((r) => r.request instanceof Api.messages.SendMedia).length;
    expect(refused).toBe(4);
  });

  it('uploads again when a reused photo is refused mid-campaign after its upload expired', async () => {
    const names = usernames(40);
    h = scriptedHarness({ sessions: 1, users: names, delayMs: 120_000 });
    await h.ready();
    // Telegram refuses the 30th send by id (about an hour in, after the parts expired).
    let byId = 0;
    h.telegram.fault = (ctx: FaultContext) =>
      ctx.request instanceof Api.messages.SendMedia &&
      ctx.request.media instanceof Api.InputMediaPhoto &&
      ++byId === 30
        ? { rpc: 'FILE_REFERENCE_EXPIRED' }
        : undefined;
    const path = await mediaFile('offer.png', png());
    const report = await h.settle(h.manager.sendMediaMessagesBulk(names, path, 'image'));
    expect(report.summary).toMatchObject({ sent: 40, failed: 0 });
    eachGotOnePhoto(h, names);
    // The first upload, and one more after the reference and the old parts were both refused.
    expect(uploads(h)).toHaveLength(2);
  });

  it('hands a FLOOD_WAIT met while uploading to the pool: the session waits it out on the clock, not inside GramJS', async () => {
    h = scriptedHarness({ sessions: 1, users: ['alice_one'] });
    await h.ready();
    h.telegram.fault = (ctx: FaultContext) =>
      isUpload(ctx.request) && ctx.n === 1 ? { rpc: 'FLOOD_WAIT_30' } : undefined;
    const failures: (string | undefined)[] = [];
    h.manager.pool.events$.subscribe((e) => {
      if (e.type === 'task-failed') failures.push(e.code);
    });
    const path = await mediaFile('offer.png', png());
    const report = await h.settle(h.manager.sendMediaMessagesBulk(['alice_one'], path, 'image'));
    expect(report.results.get('alice_one')).toMatchObject({ success: true });
    expect(failures).toEqual(['FLOOD_WAIT']);
    expect(h.telegram.deliveries[0]!.at).toBeGreaterThanOrEqual(30_000);
    expect(uploads(h)).toHaveLength(2);
  });
});
