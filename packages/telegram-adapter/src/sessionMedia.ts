import { open, readFile } from 'node:fs/promises';
import { Api } from 'telegram';
import { CustomFile } from 'telegram/client/uploads.js';
import { generateRandomLong, returnBigInt } from 'telegram/Helpers.js';
import { getAppropriatedPartSize, getAttributes, getInputMedia } from 'telegram/Utils.js';
import type { TelegramClientLike } from './clientLike.js';
import type { MediaFile } from './mediaFile.js';

/** Files up to this size are read once and kept in memory for every session's upload (GramJS's own limit). */
const IN_MEMORY_BYTES = 20 * 1024 * 1024;

/** Files above this go as `upload.SaveBigFilePart` (GramJS's and Telegram's threshold). */
const LARGE_FILE_BYTES = 10 * 1024 * 1024;

/** `FILE_PART_3_MISSING`: Telegram no longer has a part of an upload (it keeps them less than a day). */
export const FILE_PART_MISSING = /^FILE_PART_\d+_MISSING$/;

/** Telegram's answers to a photo or document reused by id that it no longer accepts from this account. */
export const STALE_MEDIA = new Set(['FILE_REFERENCE_EXPIRED', 'MEDIA_EMPTY', 'FILE_REFERENCE_INVALID']);

/** The media of one send: where it came from, so a failed send knows what to forget. */
export interface PreparedMedia {
  readonly media: Api.TypeInputMedia;
  readonly source: 'uploaded' | 'reused';
  /** The upload or the reused media it came from, so only that one is forgotten. */
  readonly from: object;
}

/**
 * One media file of a bulk send, as each session holds it. The file is uploaded once per
 * session; after the first message the session has sent with it, the photo or document
 * Telegram made of it is reused by id (`InputMediaPhoto` / `InputMediaDocument`), so
 * thousands of recipients cost one upload and no re-processing. Both are per session: file
 * references and access hashes belong to the account that received them.
 */
export class SessionMedia {
  readonly file: MediaFile;
  /** The file's content when it is small enough to keep; larger files are read part by part. */
  readonly #bytes: Buffer | undefined;
  readonly #uploads = new Map<string, Promise<Api.TypeInputFile>>();
  readonly #sent = new Map<string, Api.TypeInputMedia>();

  private constructor(file: MediaFile, bytes: Buffer | undefined) {
    this.file = file;
    this.#bytes = bytes;
  }

  /** A checked file, read into memory once when it is at most 20 MB. */
  static async of(file: MediaFile): Promise<SessionMedia> {
    return new SessionMedia(file, file.size <= IN_MEMORY_BYTES ? await readFile(file.path) : undefined);
  }

  /** What the next send on `session` carries: the photo or document by id once there is one, else an upload. */
  async prepare(session: string, client: TelegramClientLike): Promise<PreparedMedia> {
    const sent = this.#sent.get(session);
    if (sent !== undefined) return { media: sent, source: 'reused', from: sent };
    const upload = this.#upload(session, client);
    return { media: uploadedMedia(this.file, await upload), source: 'uploaded', from: upload };
  }

  /** Keep the photo or document Telegram made, from the answer to a send on `session`. */
  remember(session: string, answer: unknown): void {
    const media = sentMediaOf(answer);
    if (media !== undefined) this.#sent.set(session, getInputMedia(media));
  }

  /** Telegram refused what `prepared` carried on `session`: forget it, so the next try uploads again. */
  forget(session: string, prepared: PreparedMedia): void {
    // Another send on the session may have replaced it already; that one stays.
    if (prepared.source === 'reused') {
      if (this.#sent.get(session) === prepared.from) this.#sent.delete(session);
    } else if (this.#uploads.get(session) === prepared.from) this.#uploads.delete(session);
  }

  /**
   * One upload per session, shared by every send there. It runs to the end even when the attempt
   * that started it ends first: the session's next send uses it.
   */
  #upload(session: string, client: TelegramClientLike): Promise<Api.TypeInputFile> {
    let upload = this.#uploads.get(session);
    if (upload === undefined) {
      upload = uploadParts(client, this.file, this.#bytes);
      // A failed upload is not kept: the next attempt uploads again.
      upload.catch(() => {
        if (this.#uploads.get(session) === upload) this.#uploads.delete(session);
      });
      this.#uploads.set(session, upload);
    }
    return upload;
  }
}

/**
 * Upload a file part by part through the client's `invoke`, on its main connection. GramJS's
 * own `uploadFile` sleeps through a `FLOOD_WAIT` of any length inside itself (whatever the
 * client's `floodSleepThreshold`); through `invoke` the wait reaches the pool like any other.
 */
export async function uploadParts(
  client: TelegramClientLike,
  file: MediaFile,
  content?: Buffer,
): Promise<Api.TypeInputFile> {
  const partSize = getAppropriatedPartSize(returnBigInt(file.size)) * 1024;
  const parts = Math.ceil(file.size / partSize);
  const large = file.size > LARGE_FILE_BYTES;
  const fileId = generateRandomLong(true);
  const handle = content === undefined ? await open(file.path, 'r') : undefined;
  const read = async (start: number, end: number): Promise<Buffer> => {
    if (content !== undefined) return content.subarray(start, end);
    const bytes = Buffer.alloc(end - start);
    await handle?.read(bytes, 0, bytes.length, start);
    return bytes;
  };
  try {
    for (let part = 0; part < parts; part++) {
      const start = part * partSize;
      const end = Math.min(start + partSize, file.size);
      const bytes = await read(start, end);
      await client.invoke(
        large
          ? new Api.upload.SaveBigFilePart({ fileId, filePart: part, fileTotalParts: parts, bytes })
          : new Api.upload.SaveFilePart({ fileId, filePart: part, bytes }),
      );
    }
  } finally {
    await handle?.close();
  }
  return large
    ? new Api.InputFileBig({ id: fileId, parts, name: file.name })
    : new Api.InputFile({ id: fileId, parts, name: file.name, md5Checksum: '' });
}

/**
 * The InputMedia for a fresh upload. A document carries the attributes GramJS's own
 * `getAttributes` gives the file (its name; a video's or an audio's attribute, so it plays as
 * one), with the mime type the file's content was recognised as.
 */
export function uploadedMedia(file: MediaFile, uploaded: Api.TypeInputFile): Api.TypeInputMedia {
  if (file.sendAs === 'photo') return new Api.InputMediaUploadedPhoto({ file: uploaded });
  // A video or audio the caller asked for as a document stays a file, not a player.
  const forceFile = file.mediaType === 'document';
  return new Api.InputMediaUploadedDocument({
    file: uploaded,
    mimeType: file.mimeType,
    attributes: documentAttributes(file),
    ...(forceFile ? { forceFile: true } : {}),
  });
}

/** GramJS's attributes for the file, plus the video or audio attribute its extension did not suggest. */
export function documentAttributes(file: MediaFile): Api.TypeDocumentAttribute[] {
  const { attrs } = getAttributes(new CustomFile(file.name, file.size, file.path), {
    mimeType: file.mimeType,
    forceDocument: file.mediaType === 'document',
  });
  // getAttributes decides by extension; the content decided mediaType (an .opus or .mkv file).
  if (file.mediaType === 'video' && !attrs.some((a) => a instanceof Api.DocumentAttributeVideo)) {
    attrs.push(new Api.DocumentAttributeVideo({ w: 1, h: 1, duration: 0 }));
  }
  if (file.mediaType === 'audio' && !attrs.some((a) => a instanceof Api.DocumentAttributeAudio)) {
    attrs.push(new Api.DocumentAttributeAudio({ duration: 0 }));
  }
  return attrs;
}

/** The photo or document of the message a send made, from Telegram's answer to it. */
function sentMediaOf(answer: unknown): Api.MessageMediaPhoto | Api.MessageMediaDocument | undefined {
  if (answer instanceof Api.UpdateShortSentMessage) return usable(answer.media);
  if (!(answer instanceof Api.Updates || answer instanceof Api.UpdatesCombined)) return undefined;
  for (const update of answer.updates) {
    if (
      update instanceof Api.UpdateNewMessage ||
      update instanceof Api.UpdateNewChannelMessage ||
      update instanceof Api.UpdateNewScheduledMessage
    ) {
      if (update.message instanceof Api.Message) {
        const media = usable(update.message.media);
        if (media !== undefined) return media;
      }
    }
  }
  return undefined;
}

function usable(media: Api.TypeMessageMedia | undefined) {
  if (media instanceof Api.MessageMediaPhoto && media.photo instanceof Api.Photo) return media;
  if (media instanceof Api.MessageMediaDocument && media.document instanceof Api.Document) return media;
  return undefined;
}
