import { Api } from 'telegram';
import { CustomFile } from 'telegram/client/uploads.js';
import { getAttributes } from 'telegram/Utils.js';
import { afterEach, describe, expect, it } from 'vitest';
import { mediaFile, mp3, mp4 } from './mediaFiles.js';
import { type ScriptedHarness, scriptedHarness } from './scriptedHarness.js';

let h: ScriptedHarness | undefined;
afterEach(async () => {
  await h?.manager.shutdown();
  h = undefined;
});

/** Send `path` as `type` to one user; returns the document Telegram made of it and the request. */
async function sendOne(path: string, type: 'video' | 'audio' | 'document') {
  h = scriptedHarness({ sessions: 1, users: ['alice_one'] });
  await h.ready();
  const report = await h.settle(h.manager.sendMediaMessagesBulk(['alice_one'], path, type));
  expect(report.summary.sent).toBe(1);
  const delivery = h.telegram.deliveries[0]!;
  const request = (delivery.request as Api.messages.SendMedia).media as Api.InputMediaUploadedDocument;
  expect(request).toBeInstanceOf(Api.InputMediaUploadedDocument);
  expect(delivery.media).toBeInstanceOf(Api.MessageMediaDocument);
  const document = (delivery.media as Api.MessageMediaDocument).document as Api.Document;
  return { request, document };
}

/** An attribute's set fields, to compare with the one Telegram decoded (which fills in the defaults). */
const fieldsOf = (a: Api.TypeDocumentAttribute) =>
  expect.objectContaining({
    className: a.className,
    ...Object.fromEntries(
      Object.entries(a.toJSON() ?? {}).filter(([, v]) => v !== undefined && typeof v !== 'object'),
    ),
  });

const classesOf = (attributes: readonly Api.TypeDocumentAttribute[]) =>
  attributes.map((a) => a.className).sort();

describe('media types', () => {
  it('sends a video as a video: the attributes GramJS gives it (video, file name) and its mime type', async () => {
    const path = await mediaFile('clip.mp4', mp4());
    const { request, document } = await sendOne(path, 'video');
    expect(request.mimeType).toBe('video/mp4');
    expect(request.forceFile).toBeFalsy();
    expect(classesOf(document.attributes)).toEqual(['DocumentAttributeFilename', 'DocumentAttributeVideo']);
    expect(document.attributes).toContainEqual(expect.objectContaining({ fileName: 'clip.mp4' }));
    // Exactly what GramJS's own sendFile would have attached.
    const gramjs = getAttributes(new CustomFile('clip.mp4', 4096, path), { mimeType: 'video/mp4' }).attrs;
    expect(request.attributes).toEqual(gramjs.map(fieldsOf));
  });

  it('sends audio as audio, with the audio attribute, its file name and mime type', async () => {
    const path = await mediaFile('song.mp3', mp3());
    const { request, document } = await sendOne(path, 'audio');
    expect(request.mimeType).toBe('audio/mpeg');
    expect(classesOf(document.attributes)).toEqual(['DocumentAttributeAudio', 'DocumentAttributeFilename']);
    const gramjs = getAttributes(new CustomFile('song.mp3', 4096, path), { mimeType: 'audio/mpeg' }).attrs;
    expect(request.attributes).toEqual(gramjs.map(fieldsOf));
  });

  it('sends a video asked for as a document as a file: forceFile and no video attribute', async () => {
    const path = await mediaFile('clip.mp4', mp4());
    const { request, document } = await sendOne(path, 'document');
    expect(request.forceFile).toBe(true);
    expect(classesOf(document.attributes)).toEqual(['DocumentAttributeFilename']);
  });

  it('gives a video GramJS would not recognise by its extension the video attribute its content earned', async () => {
    // A Matroska file that is really WebM (checked by content): mime says video, and so do we.
    const webm = Buffer.alloc(4096);
    Buffer.from([0x1a, 0x45, 0xdf, 0xa3]).copy(webm, 0);
    const path = await mediaFile('clip.webm', webm);
    const { request } = await sendOne(path, 'video');
    expect(request.mimeType).toBe('video/webm');
    expect(classesOf(request.attributes)).toEqual(['DocumentAttributeFilename', 'DocumentAttributeVideo']);
  });
});
