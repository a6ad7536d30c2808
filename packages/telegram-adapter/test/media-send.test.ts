import { Api } from 'telegram';
import { afterEach, describe, expect, it } from 'vitest';
import { mediaFile, png } from './mediaFiles.js';
import { type ScriptedHarness, scriptedHarness } from './scriptedHarness.js';

let h: ScriptedHarness | undefined;
afterEach(async () => {
  await h?.manager.shutdown();
  h = undefined;
});

const users = ['alice_one', 'bob_twooo', 'carol_three', 'dave_four'];
const sentMedia = (h: ScriptedHarness) =>
  h.telegram.deliveries.map((d) => d.request as Api.messages.SendMedia);

describe('bulk media sends', () => {
  it('uploads once per session and sends messages.SendMedia with the photo and caption to everyone', async () => {
    h = scriptedHarness({ sessions: 2, users });
    await h.ready();
    const path = await mediaFile('cat.png', png());
    const report = await h.settle(h.manager.sendMediaMessagesBulk(users, path, 'image', { caption: 'look' }));
    expect(report.summary).toMatchObject({ sent: 4, failed: 0 });
    const media = sentMedia(h);
    expect(media).toHaveLength(4);
    for (const m of media) {
      expect(m).toBeInstanceOf(Api.messages.SendMedia);
      expect(m.media instanceof Api.InputMediaUploadedPhoto || m.media instanceof Api.InputMediaPhoto).toBe(
        true,
      );
      expect(m.message).toBe('look');
    }
    // Every recipient got a photo Telegram accepted.
    for (const d of h.telegram.deliveries) expect(d.media).toBeInstanceOf(Api.MessageMediaPhoto);
    // The file is one part: one SaveFilePart per session that sent, reused for its other recipients.
    const sessions = [...new Set(h.telegram.deliveries.map((d) => d.session))].sort();
    const parts = h.telegram.requests.filter((r) => r.request instanceof Api.upload.SaveFilePart);
    expect(parts.map((p) => p.session).sort()).toEqual(sessions);
  });

  it('sends a PDF as a document with its file name and mime type', async () => {
    h = scriptedHarness({ sessions: 1, users: ['alice_one'] });
    await h.ready();
    const path = await mediaFile('report.pdf', Buffer.from('%PDF-1.7\n...'));
    const report = await h.settle(h.manager.sendMediaMessagesBulk(['alice_one'], path, 'document'));
    expect(report.summary.sent).toBe(1);
    const m = sentMedia(h)[0]!;
    expect(m.media).toBeInstanceOf(Api.InputMediaUploadedDocument);
    const doc = m.media as Api.InputMediaUploadedDocument;
    expect(doc.mimeType).toBe('application/pdf');
    expect(doc.attributes).toEqual([expect.objectContaining({ fileName: 'report.pdf' })]);
    expect(h.telegram.deliveries[0]!.media).toBeInstanceOf(Api.MessageMediaDocument);
  });
});
