import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api } from 'telegram';
import { afterEach, describe, expect, it } from 'vitest';
import { parseGroupRef } from '../src/groupRef.js';
import { type ScriptedHarness, scriptedHarness } from './scriptedHarness.js';
import type { ScriptedTelegram } from './scriptedTelegram.js';

let h: ScriptedHarness | undefined;
afterEach(async () => {
  await h?.manager.shutdown();
  h = undefined;
});

/** The groups of these tests; none of the sessions is a member of any of them at first. */
function groups(t: ScriptedTelegram): void {
  t.addChannel({ username: 'big_group', generatedMembers: 450 });
  t.addChannel({ username: 'small_group', generatedMembers: 3, inviteHash: 'AbCdEfGh12' });
  t.addChannel({ inviteHash: 'NeedsApproval1', generatedMembers: 5, approval: true });
  t.addChannel({ username: 'third_group', generatedMembers: 10 });
  t.addChannel({ username: 'fourth_group', generatedMembers: 10 });
  t.addChannel({ username: 'fifth_group', generatedMembers: 10 });
}

async function setup(options: Parameters<typeof scriptedHarness>[0] = {}): Promise<ScriptedHarness> {
  h = scriptedHarness({ before: groups, ...options });
  await h.ready();
  return h;
}

describe('group references', () => {
  it.each([
    ['@big_group', { kind: 'public', username: 'big_group' }],
    ['big_group', { kind: 'public', username: 'big_group' }],
    ['https://t.me/big_group', { kind: 'public', username: 'big_group' }],
    ['t.me/+AbCdEfGh12', { kind: 'invite', hash: 'AbCdEfGh12' }],
    ['https://t.me/joinchat/AbCdEfGh12', { kind: 'invite', hash: 'AbCdEfGh12' }],
    ['-1001234567', { kind: 'id', id: '-1001234567' }],
  ])('parses %s', (input, expected) => {
    expect(parseGroupRef(input)).toMatchObject(expected);
  });

  it('rejects garbage with a reason', () => {
    expect(() => parseGroupRef('t.me/+x')).toThrow(/invite hash/);
    expect(() => parseGroupRef('')).toThrow(/group: /);
  });
});

describe('scraping', () => {
  it('pages through participants 200 at a time up to maxMembers', async () => {
    const h = await setup();
    const result = await h.settle(h.manager.scrapeGroupMembers('@big_group', { maxMembers: 450 }));
    expect(result.members).toHaveLength(450);
    expect(result).toMatchObject({ complete: true, memberCount: 450 });
    const pages = h.telegram.requests
      .map((r) => r.request)
      .filter((r): r is Api.channels.GetParticipants => r instanceof Api.channels.GetParticipants);
    expect(pages.map((p) => [p.offset, p.limit])).toEqual([
      [0, 200],
      [200, 200],
      [400, 50],
    ]);
    const capped = await h.settle(h.manager.scrapeGroupMembers('big_group', { maxMembers: 250 }));
    expect(capped.members).toHaveLength(250);
    expect(capped).toMatchObject({ complete: false, incompleteReason: 'max-members', memberCount: 450 });
  });

  it('writes members as CSV or JSONL with mode 0600', async () => {
    const h = await setup();
    const dir = await mkdtemp(join(tmpdir(), 'members-'));
    await h.settle(
      h.manager.scrapeGroupMembers('small_group', { output: { path: join(dir, 'm.csv'), format: 'csv' } }),
    );
    const result = await h.settle(
      h.manager.scrapeGroupMembers('small_group', {
        output: { path: join(dir, 'm.jsonl'), format: 'jsonl' },
      }),
    );
    const csv = await readFile(join(dir, 'm.csv'), 'utf8');
    expect(csv.split('\n')[0]).toBe('id,username,firstName,lastName,phone,bot');
    expect(csv.trim().split('\n')).toHaveLength(4);
    const jsonl = (await readFile(join(dir, 'm.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const first = result.members[0]!;
    expect(first.username).toMatch(/^Anna\d+x0$/);
    expect(jsonl[0]).toEqual({ id: first.id, username: first.username, firstName: 'Anna', bot: false });
    expect((await stat(join(dir, 'm.csv'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'm.jsonl'))).mode & 0o777).toBe(0o600);
  });

  it('fails with the Telegram reason for a private group', async () => {
    const h = await setup();
    h.telegram.fault = ({ request }) =>
      request instanceof Api.channels.GetParticipants ? { rpc: 'CHANNEL_PRIVATE' } : undefined;
    await expect(h.settle(h.manager.scrapeGroupMembers('big_group'))).rejects.toThrow(/CHANNEL_PRIVATE/);
  });
});

describe('join and scrape', () => {
  it('joins a public group with a real channels.JoinChannel and treats USER_ALREADY_PARTICIPANT as joined', async () => {
    const h = await setup({ sessions: 1 });
    const first = await h.settle(h.manager.joinAndScrapeGroup('t.me/small_group'));
    expect(first).toMatchObject({ success: true, joinStatus: 'joined', complete: true });
    const join1 = h.telegram.requests.find((r) => r.request instanceof Api.channels.JoinChannel)!
      .request as Api.channels.JoinChannel;
    const smallGroup = h.telegram.channel(Number((join1.channel as Api.InputChannel).channelId.toString()));
    expect(smallGroup.username).toBe('small_group');
    expect(smallGroup.members).toContain(h.telegram.selfId('s0'));
    const again = await h.settle(h.manager.joinAndScrapeGroup('@small_group'));
    expect(again).toMatchObject({ success: true, joinStatus: 'already-member' });
    // The three members and the account that joined.
    expect(again.members).toHaveLength(4);
    expect(h.telegram.requestsOf('s0', 'channels.JoinChannel')).toHaveLength(2);
  });

  it('imports t.me/+HASH and t.me/joinchat/HASH invites', async () => {
    const h = await setup({ sessions: 1 });
    const viaPlus = await h.settle(h.manager.joinAndScrapeGroup('https://t.me/+AbCdEfGh12'));
    expect(viaPlus).toMatchObject({ joinStatus: 'joined' });
    expect(viaPlus.members).toHaveLength(4);
    const viaJoinchat = await h.settle(h.manager.joinAndScrapeGroup('t.me/joinchat/AbCdEfGh12'));
    expect(viaJoinchat).toMatchObject({ joinStatus: 'already-member' });
    expect(viaJoinchat.members).toHaveLength(4);
    const imports = h.telegram.requests.filter((r) => r.request instanceof Api.messages.ImportChatInvite);
    expect(imports.map((r) => (r.request as Api.messages.ImportChatInvite).hash)).toEqual([
      'AbCdEfGh12',
      'AbCdEfGh12',
    ]);
  });

  it('reports INVITE_REQUEST_SENT as pending, with no members', async () => {
    const h = await setup({ sessions: 1 });
    const r = await h.settle(h.manager.joinAndScrapeGroup('t.me/+NeedsApproval1'));
    expect(r).toMatchObject({
      success: true,
      joinStatus: 'pending',
      members: [],
      complete: false,
      incompleteReason: 'join-pending',
    });
    expect(h.telegram.requestsOf('s0', 'channels.GetParticipants')).toHaveLength(0);
  });

  it('moves joins away from a session that hit CHANNELS_TOO_MUCH', async () => {
    const h = await setup({ sessions: 2 });
    h.telegram.fault = ({ session, request }) =>
      session === 's0' && request instanceof Api.channels.JoinChannel
        ? { rpc: 'CHANNELS_TOO_MUCH' }
        : undefined;
    const report = await h.settle(
      h.manager.safeBulkScrapeWithRotation(['third_group', 'fourth_group', 'fifth_group']),
    );
    expect(report.summary).toMatchObject({ total: 3, succeeded: 3, failed: 0, incomplete: 0 });
    expect(report.summary.bySession).toEqual({ s1: 3 });
    expect(h.manager.getSessionInfo('s0').capabilities).not.toContain('join');
  });
});

describe('bulk scraping with quotas', () => {
  it('never drops a group because a session is out of quota: it waits for another session or the next day', async () => {
    const h = await setup({ sessions: 2, dailyScrapeQuota: 1 });
    const names = ['big_group', 'small_group', 'third_group', 'fourth_group', 'fifth_group'];
    const op = h.manager.safeBulkScrapeWithRotation(names, { maxMembers: 5, delayMs: 0 });
    const report = await h.settle(op, 3 * 24 * 3600_000);
    expect(report.summary).toMatchObject({ total: 5, succeeded: 5, failed: 0 });
    expect(h.clock.now()).toBeGreaterThanOrEqual(2 * 24 * 3600_000);
    expect(report.results.size).toBe(5);
    for (const r of report.results.values()) expect(r.members).toHaveLength(Math.min(5, r.memberCount!));
  });

  it('streams each group result as it settles and writes one file per group', async () => {
    const h = await setup();
    const dir = await mkdtemp(join(tmpdir(), 'bulk-'));
    const op = h.manager.bulkScrapeGroups(['small_group', 'third_group'], {
      outputDir: dir,
      format: 'jsonl',
    });
    const seen: string[] = [];
    op.results$.subscribe((r) => seen.push(r.group));
    await h.settle(op);
    expect(seen.sort()).toEqual(['small_group', 'third_group']);
    expect((await readFile(join(dir, 'third_group.jsonl'), 'utf8')).trim().split('\n')).toHaveLength(10);
  });
});
