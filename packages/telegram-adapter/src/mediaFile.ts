import { open, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { ValidationError } from '@switchyard/core';

export type MediaType = 'image' | 'video' | 'audio' | 'document';

/** A media file that passed validation, with what we learnt about it. */
export interface MediaFile {
  readonly path: string;
  readonly name: string;
  readonly size: number;
  readonly format: string;
  readonly mimeType: string;
  /** `photo` only for JPEG/PNG, as GramJS does; everything else goes as a document. */
  readonly sendAs: 'photo' | 'document';
  readonly mediaType: MediaType;
}

const MB = 1024 * 1024;
/** Telegram's photo limit; larger images must go as documents. */
export const PHOTO_MAX_BYTES = 10 * MB;
/** Width + height of a photo (TELEGRAM.md). */
export const PHOTO_MAX_DIMENSION_SUM = 10_000;
export const DOCUMENT_MAX_BYTES = 2048 * MB;
export const PREMIUM_DOCUMENT_MAX_BYTES = 4096 * MB;

interface Format {
  readonly format: string;
  readonly mimeType: string;
  readonly extensions: readonly string[];
  readonly mediaType: MediaType;
  readonly magic: (head: Buffer) => boolean;
}

const ascii = (head: Buffer, at: number, text: string) =>
  head.toString('latin1', at, at + text.length) === text;

// Checked in order; the content decides the format, the extension must agree with it.
const formats: readonly Format[] = [
  {
    format: 'jpeg',
    mimeType: 'image/jpeg',
    extensions: ['.jpg', '.jpeg'],
    mediaType: 'image',
    magic: (h) => h[0] === 0xff && h[1] === 0xd8 && h[2] === 0xff,
  },
  {
    format: 'png',
    mimeType: 'image/png',
    extensions: ['.png'],
    mediaType: 'image',
    magic: (h) => ascii(h, 0, '\x89PNG\r\n\x1a\n'),
  },
  {
    format: 'gif',
    mimeType: 'image/gif',
    extensions: ['.gif'],
    mediaType: 'image',
    magic: (h) => ascii(h, 0, 'GIF87a') || ascii(h, 0, 'GIF89a'),
  },
  {
    format: 'webp',
    mimeType: 'image/webp',
    extensions: ['.webp'],
    mediaType: 'image',
    magic: (h) => ascii(h, 0, 'RIFF') && ascii(h, 8, 'WEBP'),
  },
  {
    format: 'mp4',
    mimeType: 'video/mp4',
    extensions: ['.mp4', '.m4v', '.mov'],
    mediaType: 'video',
    magic: (h) => ascii(h, 4, 'ftyp') && !ascii(h, 8, 'M4A'),
  },
  {
    format: 'webm',
    mimeType: 'video/webm',
    extensions: ['.webm', '.mkv'],
    mediaType: 'video',
    magic: (h) => h[0] === 0x1a && h[1] === 0x45 && h[2] === 0xdf && h[3] === 0xa3,
  },
  {
    format: 'mp3',
    mimeType: 'audio/mpeg',
    extensions: ['.mp3'],
    mediaType: 'audio',
    magic: (h) => ascii(h, 0, 'ID3') || (h[0] === 0xff && ((h[1] ?? 0) & 0xe0) === 0xe0),
  },
  {
    format: 'm4a',
    mimeType: 'audio/mp4',
    extensions: ['.m4a'],
    mediaType: 'audio',
    magic: (h) => ascii(h, 4, 'ftypM4A'),
  },
  {
    format: 'ogg',
    mimeType: 'audio/ogg',
    extensions: ['.ogg', '.oga', '.opus'],
    mediaType: 'audio',
    magic: (h) => ascii(h, 0, 'OggS'),
  },
  {
    format: 'pdf',
    mimeType: 'application/pdf',
    extensions: ['.pdf'],
    mediaType: 'document',
    magic: (h) => ascii(h, 0, '%PDF-'),
  },
  {
    format: 'zip',
    mimeType: 'application/zip',
    extensions: ['.zip', '.docx', '.xlsx', '.pptx'],
    mediaType: 'document',
    magic: (h) => ascii(h, 0, 'PK\x03\x04'),
  },
];

const textExtensions = new Set(['.txt', '.csv', '.json', '.md', '.log']);

/** Width and height from the header of a PNG or JPEG, or undefined when the header does not say. */
export function imageDimensions(format: string, head: Buffer): { width: number; height: number } | undefined {
  if (format === 'png' && head.length >= 24)
    return { width: head.readUInt32BE(16), height: head.readUInt32BE(20) };
  if (format !== 'jpeg') return undefined;
  let i = 2;
  while (i + 9 < head.length) {
    if (head[i] !== 0xff) return undefined;
    const marker = head[i + 1]!;
    const length = head.readUInt16BE(i + 2);
    // SOF0–SOF15 carry the frame size, except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: head.readUInt16BE(i + 5), width: head.readUInt16BE(i + 7) };
    }
    i += 2 + length;
  }
  return undefined;
}

// Enough to find a JPEG frame header behind typical EXIF blocks.
const HEAD_BYTES = 256 * 1024;

/**
 * Check a media file before anything is sent: it exists, its content is a format we know,
 * its extension agrees with the content, the format suits `mediaType`, and it is within
 * Telegram's size limits. Throws `ValidationError` naming `mediaPath` and the reason.
 */
export async function checkMediaFile(
  path: unknown,
  mediaType: unknown,
  options: { premium?: boolean } = {},
): Promise<MediaFile> {
  const fail = (field: string, reason: string): never => {
    throw new ValidationError([{ field, reason }]);
  };
  if (typeof path !== 'string' || path.trim() === '') return fail('mediaPath', 'a file path is required');
  if (mediaType !== 'image' && mediaType !== 'video' && mediaType !== 'audio' && mediaType !== 'document') {
    return fail('mediaType', "must be 'image', 'video', 'audio' or 'document'");
  }
  const info = await stat(path).catch(() => undefined);
  if (info === undefined) return fail('mediaPath', 'the file does not exist');
  if (!info.isFile()) return fail('mediaPath', 'not a regular file');
  if (info.size === 0) return fail('mediaPath', 'the file is empty');
  const handle = await open(path, 'r');
  const head = Buffer.alloc(Math.min(HEAD_BYTES, info.size));
  try {
    await handle.read(head, 0, head.length, 0);
  } finally {
    await handle.close();
  }
  const ext = extname(path).toLowerCase();
  let found = formats.find((f) => f.magic(head));
  if (found === undefined && mediaType === 'document' && textExtensions.has(ext) && !head.includes(0)) {
    found = {
      format: 'text',
      mimeType: 'text/plain',
      extensions: [...textExtensions],
      mediaType: 'document',
      magic: () => true,
    };
  }
  if (found === undefined) return fail('mediaPath', 'the content is not a supported media format');
  if (!found.extensions.includes(ext)) {
    return fail('mediaPath', `the content is ${found.format} but the extension is ${ext || '(none)'}`);
  }
  if (mediaType !== 'document' && found.mediaType !== mediaType) {
    return fail('mediaType', `the file is ${found.format} (${found.mediaType}), not ${mediaType}`);
  }
  const sendAs = found.format === 'jpeg' || found.format === 'png' ? 'photo' : 'document';
  if (sendAs === 'photo' && mediaType === 'image') {
    if (info.size > PHOTO_MAX_BYTES) return fail('mediaPath', 'a photo is at most 10 MB');
    const dims = imageDimensions(found.format, head);
    if (dims && dims.width + dims.height > PHOTO_MAX_DIMENSION_SUM) {
      return fail('mediaPath', `a photo's width + height is at most ${PHOTO_MAX_DIMENSION_SUM}`);
    }
  }
  const max = options.premium ? PREMIUM_DOCUMENT_MAX_BYTES : DOCUMENT_MAX_BYTES;
  if (info.size > max) return fail('mediaPath', `a file is at most ${max / MB / 1024} GB`);
  return {
    path,
    name: basename(path),
    size: info.size,
    format: found.format,
    mimeType: found.mimeType,
    sendAs: mediaType === 'image' ? sendAs : 'document',
    mediaType,
  };
}
