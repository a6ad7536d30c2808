import { writeFile } from 'node:fs/promises';
import * as zlib from 'node:zlib';
import { NodeTooOldError } from '../shared/nodeVersion.js';

// A namespace import, not `import { crc32 }`: on a Node without `crc32` (before 20.15) a named
// import fails before any code runs, and the command could not say which Node it needs.
function crc32(data: Buffer): number {
  if (typeof zlib.crc32 !== 'function') throw new NodeTooOldError("node:zlib's crc32");
  return zlib.crc32(data);
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** A small real PNG (a colour gradient) for the media half of the campaign. */
export function gradientPng(width = 64, height = 64): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; x++) {
      raw[row + 1 + x * 3] = Math.round((x / width) * 255);
      raw[row + 2 + x * 3] = 120;
      raw[row + 3 + x * 3] = Math.round((y / height) * 255);
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export async function writeGradientPng(path: string): Promise<string> {
  await writeFile(path, gradientPng());
  return path;
}
