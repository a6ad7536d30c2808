import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom, ValidationError, VirtualClock } from '@switchyard/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkMediaFile, imageDimensions } from '../src/mediaFile.js';
import { validateCaption, validateMessageText } from '../src/messageText.js';
import { checkRecipient, partitionRecipients } from '../src/recipient.js';
import { resolveStrategy, type StrategyName } from '../src/strategyName.js';
import { requestsMade, type ScriptedHarness, scriptedHarness } from './scriptedHarness.js';

let h: ScriptedHarness | undefined;
afterEach(async () => {
  await h?.manager.shutdown();
  expect(h?.clock.pendingTimers() ?? 0).toBe(0);
  h = undefined;
});

/** A connected fleet on the scripted Telegram, where `alice_one` exists. */
async function connectedHarness(
  options: Parameters<typeof scriptedHarness>[0] = {},
): Promise<ScriptedHarness> {
  const harness = scriptedHarness({ users: ['alice_one'], ...options });
  await harness.ready();
  return harness;
}

const png = (w: number, h2: number) => {
  const b = Buffer.alloc(64);
  Buffer.from('\x89PNG\r\n\x1a\n', 'latin1').copy(b, 0);
  b.writeUInt32BE(13, 8);
  b.write('IHDR', 12, 'latin1');
  b.writeUInt32BE(w, 16);
  b.writeUInt32BE(h2, 20);
  return b;
};

describe('recipient validation', () => {
  it.each([
    'alice',
    '@alice',
    'Alice_9',
    't.me/alice_b',
    'https://t.me/alice_b',
    '12345',
    '-1001234567890',
    '+15551234567',
    'a'.repeat(32),
  ])('accepts %s', (r) => {
    expect(checkRecipient(r).ok).toBe(true);
  });

  it.each([
    ['abcd', 'at least 5'],
    ['a'.repeat(33), 'at most 32'],
    ['9alice', 'starts with a letter'],
    ['alice_', 'does not end with _'],
    ['al__ice', 'does not contain __'],
    ['ali-ce', 'letters, digits'],
    ['0', 'positive user id'],
    ['+12', 'phone number'],
    ['', 'empty'],
    ['t.me/+AbCdEfGhIj', 'invite link'],
    ['https://example.com/alice', 't.me'],
  ])('rejects %s (%s)', (r, reason) => {
    const check = checkRecipient(r);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.reason).toContain(reason);
  });

  it('sends once to a recipient listed twice under different spellings', () => {
    const p = partitionRecipients(['alice_b', '@alice_b', 't.me/Alice_B', 'bad']);
    expect(p.valid.map((r) => r.input)).toEqual(['alice_b']);
    expect(p.duplicates).toEqual(['@alice_b', 't.me/Alice_B']);
    expect(p.invalid).toHaveLength(1);
  });
});

describe('text and caption', () => {
  it('accepts 1–4096 characters and rejects empty or longer text, naming the field', () => {
    expect(validateMessageText('x'.repeat(4096))).toHaveLength(4096);
    expect(() => validateMessageText('')).toThrow(/message: the message is empty/);
    expect(() => validateMessageText('   ')).toThrow(ValidationError);
    expect(() => validateMessageText('x'.repeat(4097))).toThrow(/longer than 4096/);
  });

  it('accepts a caption up to 1024 characters', () => {
    expect(validateCaption(undefined)).toBe('');
    expect(validateCaption('x'.repeat(1024))).toHaveLength(1024);
    expect(() => validateCaption('x'.repeat(1025))).toThrow(/caption: .*1024/);
  });
});

describe('media validation by content and extension', () => {
  it('reads PNG and JPEG dimensions from the header', () => {
    expect(imageDimensions('png', png(640, 480))).toEqual({ width: 640, height: 480 });
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x01, 0xe0, 0x02, 0x80, 0, 0, 0]);
    expect(imageDimensions('jpeg', jpeg)).toEqual({ width: 640, height: 480 });
  });

  it('accepts a PNG photo, rejects a mismatched extension, unknown content, oversize dimensions and a missing file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'media-'));
    await writeFile(join(dir, 'ok.png'), png(100, 100));
    await writeFile(join(dir, 'lie.jpg'), png(100, 100));
    await writeFile(join(dir, 'junk.png'), Buffer.from('not an image at all'));
    await writeFile(join(dir, 'huge.png'), png(8000, 4000));
    await writeFile(join(dir, 'doc.pdf'), Buffer.from('%PDF-1.4 hello'));
    await expect(checkMediaFile(join(dir, 'ok.png'), 'image')).resolves.toMatchObject({
      format: 'png',
      sendAs: 'photo',
    });
    await expect(checkMediaFile(join(dir, 'lie.jpg'), 'image')).rejects.toThrow(
      /content is png but the extension is .jpg/,
    );
    await expect(checkMediaFile(join(dir, 'junk.png'), 'image')).rejects.toThrow(
      /not a supported media format/,
    );
    await expect(checkMediaFile(join(dir, 'huge.png'), 'image')).rejects.toThrow(/width \+ height/);
    await expect(checkMediaFile(join(dir, 'nope.png'), 'image')).rejects.toThrow(
      /mediaPath: the file does not exist/,
    );
    await expect(checkMediaFile(join(dir, 'doc.pdf'), 'image')).rejects.toThrow(/mediaType: the file is pdf/);
    await expect(checkMediaFile(join(dir, 'doc.pdf'), 'document')).resolves.toMatchObject({
      sendAs: 'document',
    });
    await expect(checkMediaFile(join(dir, 'ok.png'), 'sticker')).rejects.toThrow(/mediaType/);
  });

  it('rejects a photo over 10 MB', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'media-'));
    const big = Buffer.alloc(10 * 1024 * 1024 + 1);
    png(100, 100).copy(big, 0);
    await writeFile(join(dir, 'big.png'), big);
    await expect(checkMediaFile(join(dir, 'big.png'), 'image')).rejects.toThrow(/at most 10 MB/);
  });
});

describe('strategy names', () => {
  it('rejects unknown names clearly, suggesting the nearest', () => {
    const ctx = { clock: new VirtualClock(0), random: seededRandom(1) };
    expect(() => resolveStrategy('fastest', ctx)).toThrow(
      /strategy: unknown strategy "fastest"; use one of round-robin, smooth-weighted-round-robin, least-loaded, capability-based, performance-based, weighted-response-time, p2c-peak-ewma, consistent-hash, adaptive/,
    );
    expect(() => resolveStrategy('p2c-peak-ewa', ctx)).toThrow(
      /unknown strategy "p2c-peak-ewa"; did you mean "p2c-peak-ewma"\? use one of round-robin, /,
    );
    expect(resolveStrategy('adaptive', ctx).strategy.name).toBe('adaptive');
  });

  it('knows every spelling of a name by its one, kebab-case, name', () => {
    vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const ctx = { clock: new VirtualClock(0), random: seededRandom(1) };
    for (const spelling of ['p2c-peak-ewma', 'p2cPeakEwma', 'p2c_peak_ewma', 'P2C_PEAK_EWMA']) {
      const resolved = resolveStrategy(spelling, ctx);
      expect(resolved.name, spelling).toBe('p2c-peak-ewma');
      expect(resolved.strategy.name, spelling).toBe('p2c-peak-ewma');
    }
    vi.restoreAllMocks();
  });

  it('setLoadBalancingStrategy takes any spelling and reports the one name', async () => {
    vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    h = await connectedHarness();
    h.manager.setLoadBalancingStrategy('leastLoaded' as StrategyName);
    expect(h.manager.getLoadBalancingStrategy()).toBe('least-loaded');
    h.manager.setLoadBalancingStrategy('p2c_peak_ewma' as StrategyName);
    expect(h.manager.getLoadBalancingStrategy()).toBe('p2c-peak-ewma');
    expect(h.manager.snapshot().strategy).toBe('p2c-peak-ewma');
    vi.restoreAllMocks();
  });
});

describe('bad input sends nothing', () => {
  it('rejects the whole call when skipInvalid is false', async () => {
    h = await connectedHarness();
    const op = h.manager.sendTextMessagesBulk(['alice_one', 'x'], 'hi', { skipInvalid: false });
    await expect(h.settle(op)).rejects.toThrow(ValidationError);
    expect(requestsMade(h.telegram)).toHaveLength(0);
  });

  it('skips invalid recipients with a reason by default', async () => {
    h = await connectedHarness();
    const report = await h.settle(h.manager.sendTextMessagesBulk(['alice_one', 'x', '@bad__name'], 'hi'));
    expect(report.summary).toMatchObject({ sent: 1, skipped: 2 });
    expect(report.results.get('x')).toMatchObject({ outcome: 'skipped', success: false, sessionUsed: null });
    expect(report.results.get('@bad__name')?.error).toContain('__');
    expect(h.telegram.deliveries.map((d) => d.peer)).toEqual([`user:${h.telegram.user('alice_one')!.id}`]);
  });

  it('rejects empty text, overlong captions and bad media before any request', async () => {
    h = await connectedHarness();
    await expect(h.settle(h.manager.sendTextMessagesBulk(['alice_one'], ''))).rejects.toThrow(/message/);
    await expect(
      h.settle(
        h.manager.sendMediaMessagesBulk(['alice_one'], '/nonexistent.png', 'image', {
          caption: 'x'.repeat(2000),
        }),
      ),
    ).rejects.toThrow(/caption/);
    await expect(
      h.settle(h.manager.sendMediaMessagesBulk(['alice_one'], '/nonexistent.png', 'image')),
    ).rejects.toThrow(/mediaPath/);
    expect(requestsMade(h.telegram)).toHaveLength(0);
  });

  it('rejects an unknown strategy in the constructor and in setLoadBalancingStrategy', async () => {
    expect(() => scriptedHarness({ strategy: 'nope' as never })).toThrow(/unknown strategy/);
    h = await connectedHarness();
    expect(() => h!.manager.setLoadBalancingStrategy('nope' as StrategyName)).toThrow(ValidationError);
    expect(h.manager.getLoadBalancingStrategy()).toBe('round-robin');
  });
});
