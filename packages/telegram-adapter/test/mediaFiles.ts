import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Write `bytes` as `name` in a fresh temporary folder; returns the path. */
export async function mediaFile(name: string, bytes: Buffer): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'media-'));
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

/** A PNG header for a `size`-byte file of 64×64 pixels. */
export function png(size = 2048): Buffer {
  const b = Buffer.alloc(size);
  Buffer.from('\x89PNG\r\n\x1a\n', 'latin1').copy(b, 0);
  b.write('IHDR', 12, 'latin1');
  b.writeUInt32BE(64, 16);
  b.writeUInt32BE(64, 20);
  return b;
}

/** An MP4 (ISO base media `ftyp` box) of `size` bytes. */
export function mp4(size = 4096): Buffer {
  const b = Buffer.alloc(size);
  b.writeUInt32BE(24, 0);
  b.write('ftypisom', 4, 'latin1');
  return b;
}

/** An MP3 with an ID3 tag, of `size` bytes. */
export function mp3(size = 4096): Buffer {
  const b = Buffer.alloc(size);
  b.write('ID3', 0, 'latin1');
  return b;
}
