import { Api } from 'telegram';
import { afterEach, describe, expect, it } from 'vitest';
import { mediaFile, png } from './mediaFiles.js';
import { type ScriptedHarness, scriptedHarness } from './scriptedHarness.js';
import type { FaultContext } from './scriptedTelegram.js';

let h: ScriptedHarness | undefined;
afterEach(async () => {
  await h?.manager.shutdown();
  h = undefined;
});

/** Requests of these classes answer only after `ms` of virtual time. */
function slow(h: ScriptedHarness, classes: readonly string[], ms: number) {
  h.telegram.onRequest = (ctx: FaultContext) =>
    classes.includes(ctx.request.className)
      ? new Promise<void>((resolve) => h.clock.setTimeout(resolve, ms))
      : undefined;
}

const sends = (h: ScriptedHarness) =>
  h.telegram.requests.filter(
    (r) => r.request instanceof Api.messages.SendMessage || r.request instanceof Api.messages.SendMedia,
  );

describe('a send the report calls failed', () => {
  it('after its attempt timed out while resolving the peer, is never sent when the answer comes at last', async () => {
    h = scriptedHarness({
      sessions: 1,
      users: ['alice_one'],
      requestTimeoutMs: 60_000,
      retry: { retries: 0 },
    });
    await h.ready();
    slow(h, ['contacts.ResolveUsername'], 5 * 60_000);
    const report = await h.settle(h.manager.sendTextMessagesBulk(['alice_one'], 'hi'), 90_000);
    expect(report.results.get('alice_one')).toMatchObject({ success: false, outcome: 'failed' });
    // The resolution answers four minutes later; the attempt it belonged to is over.
    await h.clock.advance(10 * 60_000);
    expect(h.telegram.requests.some((r) => r.request instanceof Api.contacts.ResolveUsername)).toBe(true);
    expect(sends(h)).toEqual([]);
    expect(h.telegram.deliveries).toEqual([]);
  });

  it('after the operation was cancelled while resolving, is never sent', async () => {
    h = scriptedHarness({ sessions: 2, users: ['alice_one', 'bob_twooo'] });
    await h.ready();
    slow(h, ['contacts.ResolveUsername'], 60_000);
    const controller = new AbortController();
    const op = h.manager.sendTextMessagesBulk(['alice_one', 'bob_twooo'], 'hi', {
      signal: controller.signal,
    });
    await h.clock.advance(1000);
    controller.abort();
    const report = await h.settle(op);
    for (const r of report.results.values()) expect(r).toMatchObject({ success: false, outcome: 'failed' });
    await h.clock.advance(5 * 60_000);
    expect(sends(h)).toEqual([]);
    expect(h.telegram.deliveries).toEqual([]);
  });

  it('after its attempt timed out while uploading, is never sent when the upload finishes', async () => {
    h = scriptedHarness({
      sessions: 1,
      users: ['alice_one'],
      uploadTimeoutMs: 60_000,
      retry: { retries: 0 },
    });
    await h.ready();
    slow(h, ['upload.SaveFilePart'], 5 * 60_000);
    const path = await mediaFile('offer.png', png());
    const report = await h.settle(h.manager.sendMediaMessagesBulk(['alice_one'], path, 'image'), 90_000);
    expect(report.results.get('alice_one')).toMatchObject({ success: false, outcome: 'failed' });
    await h.clock.advance(10 * 60_000);
    // The upload itself went through; no message followed it.
    expect(h.telegram.requests.some((r) => r.request instanceof Api.upload.SaveFilePart)).toBe(true);
    expect(sends(h)).toEqual([]);
    expect(h.telegram.deliveries).toEqual([]);
  });
});
