import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api } from 'telegram';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.manager.shutdown();
  h = undefined;
});

async function pngFile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'media-send-'));
  const b = Buffer.alloc(2048);
  Buffer.from('\x89PNG\r\n\x1a\n', 'latin1').copy(b, 0);
  b.write('IHDR', 12, 'latin1');
  b.writeUInt32BE(64, 16);
  b.writeUInt32BE(64, 20);
  const path = join(dir, 'cat.png');
  await writeFile(path, b);
  return path;
}

describe('bulk media sends', () => {
  it('uploads through getSender once per session and sends messages.SendMedia with an uploaded photo and caption', async () => {
    h = harness({ sessions: 2 });
    const path = await pngFile();
    const report = await h.settle(
      h.manager.sendMediaMessagesBulk(['alice_one', 'bob_twooo', 'carol_three', 'dave_four'], path, 'image', {
        caption: 'look',
      }),
    );
    expect(report.summary).toMatchObject({ sent: 4, failed: 0 });
    const media = h.telegram.deliveries.map((d) => d.request as Api.messages.SendMedia);
    expect(media).toHaveLength(4);
    for (const m of media) {
      expect(m).toBeInstanceOf(Api.messages.SendMedia);
      expect(m.media).toBeInstanceOf(Api.InputMediaUploadedPhoto);
      expect(m.message).toBe('look');
    }
    // One SaveFilePart per session (the file is one part), reused for every recipient of that session.
    const parts = h.telegram.uploads.filter((u) => u.request instanceof Api.upload.SaveFilePart);
    expect(parts.map((p) => p.session).sort()).toEqual(['s0', 's1']);
  });

  it('sends a PDF as a document with its file name', async () => {
    h = harness({ sessions: 1 });
    const dir = await mkdtemp(join(tmpdir(), 'media-send-'));
    const path = join(dir, 'report.pdf');
    await writeFile(path, Buffer.from('%PDF-1.7\n...'));
    await h.settle(h.manager.sendMediaMessagesBulk(['alice_one'], path, 'document'));
    const m = h.telegram.deliveries[0]!.request as Api.messages.SendMedia;
    expect(m.media).toBeInstanceOf(Api.InputMediaUploadedDocument);
    const doc = m.media as Api.InputMediaUploadedDocument;
    expect(doc.mimeType).toBe('application/pdf');
    expect(doc.attributes[0]).toMatchObject({ fileName: 'report.pdf' });
  });
});
