import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type BulkScrapeOptions, type GroupScrapeResult, JOIN, SCRAPE } from '@switchyard/telegram-adapter';
import { parseCommand } from '../args.js';
import { EXIT_CODES_HELP, type ExitCode, UsageError } from '../exitCodes.js';
import { type Io, iso } from '../io.js';
import { configure, FLEET_OPTIONS, FLEET_OPTIONS_HELP, follow, withFleet } from '../run.js';

const SCRAPE_OPTIONS_HELP = `      --group G            a group: @name, t.me/name, t.me/+HASH, t.me/joinchat/HASH or a -100… id; repeat for more
      --max-members N      stop each group's list at N members
      --deep-search        search a–z and 0–9 to list past Telegram's ~10,000-per-filter cap
      --out-dir DIR        write each group's members to DIR/<group>.<format> (private, 0600)
      --format csv|jsonl   the member files' format (default csv)
      --campaign ID        journal the run: running it again with the same groups and ID resumes it`;

const HELP = {
  scrape: `switchyard scrape: list the members of groups, at most limits.scraping (default 5) at once, each on a
session the strategy picks (within its daily scrape quota).

Usage:
  switchyard scrape --group @g [--group …] [--out-dir members/] [options]

Options:
${SCRAPE_OPTIONS_HELP}
      --join               join each group first (needed for invite links; implied by them)
${FLEET_OPTIONS_HELP}

${EXIT_CODES_HELP}`,
  join: `switchyard join: join groups, rotating sessions (a session out of quota or restricted from joining hands the
group to another, and each session is paced by pacing.delayMs), then list each group's members.
Each group is joined from one session. A join that waits for an admin's approval is reported pending.

Usage:
  switchyard join --group @g [--group …] [--out-dir members/] [options]

Options:
${SCRAPE_OPTIONS_HELP}
${FLEET_OPTIONS_HELP}

${EXIT_CODES_HELP}`,
} as const;

const SPECS = {
  ...FLEET_OPTIONS,
  group: { type: 'string', multiple: true },
  'max-members': { type: 'string' },
  'deep-search': { type: 'boolean' },
  'out-dir': { type: 'string' },
  format: { type: 'string' },
  campaign: { type: 'string' },
} as const;
const SCRAPE_SPECS = { ...SPECS, join: { type: 'boolean' } } as const;

/** `switchyard scrape` (`bulkScrapeGroups`) and `switchyard join` (`safeBulkScrapeWithRotation`). */
export async function scrape(command: 'scrape' | 'join', argv: readonly string[], io: Io): Promise<ExitCode> {
  const { values: v } = parseCommand(command, argv, command === 'join' ? SPECS : SCRAPE_SPECS);
  if (v.help) {
    io.stdout.write(`${HELP[command]}\n`);
    return 0;
  }
  const groups = v.group ?? [];
  if (groups.length === 0)
    throw new UsageError(`${command}: --group is required (repeat it for more groups)`);
  const maxMembers = v['max-members'] === undefined ? undefined : Number(v['max-members']);
  if (maxMembers !== undefined && !(Number.isInteger(maxMembers) && maxMembers > 0))
    throw new UsageError(`${command}: --max-members must be a positive whole number`);
  const format = v.format ?? 'csv';
  if (format !== 'csv' && format !== 'jsonl')
    throw new UsageError(`${command}: --format must be csv or jsonl`);
  if (v.format !== undefined && v['out-dir'] === undefined)
    throw new UsageError(`${command}: --format needs --out-dir`);
  const outputDir = v['out-dir'] === undefined ? undefined : resolve(io.cwd, v['out-dir']);
  const configured = await configure(io, v);
  if (outputDir !== undefined) await mkdir(outputDir, { recursive: true });
  const options: BulkScrapeOptions = {
    ...(maxMembers === undefined ? {} : { maxMembers }),
    ...(v['deep-search'] ? { deepSearch: true } : {}),
    ...('join' in v && v.join ? { join: true } : {}),
    ...(outputDir === undefined ? {} : { outputDir, format }),
    ...(v.campaign === undefined ? {} : { campaign: v.campaign }),
  };
  const label = v.campaign === undefined ? command : `${command} ${v.campaign}`;
  return withFleet(configured, v, label, async (fleet) => {
    const op =
      command === 'join'
        ? fleet.manager.safeBulkScrapeWithRotation(groups, options)
        : fleet.manager.bulkScrapeGroups(groups, options);
    return follow(fleet, op, {
      label,
      total: new Set(groups).size,
      needs: command === 'join' || options.join === true ? [SCRAPE, JOIN] : [SCRAPE],
      resumeHint:
        v.campaign === undefined
          ? 'nothing was journalled (no --campaign): run it again to start over'
          : `resume with the same command (same groups and --campaign ${v.campaign})`,
      settled: (r: GroupScrapeResult) => ({
        outcome: !r.success ? 'failed' : r.joinStatus === 'pending' ? 'skipped' : 'sent',
        session: r.sessionUsed,
        fromJournal: false,
      }),
      jsonOf: (r) => ({
        type: 'group',
        group: r.group,
        success: r.success,
        ...(r.joinStatus === undefined ? {} : { joinStatus: r.joinStatus }),
        members: r.members.length,
        complete: r.complete,
        ...(r.incompleteReason === undefined ? {} : { incompleteReason: r.incompleteReason }),
        ...(r.memberCount === undefined ? {} : { memberCount: r.memberCount }),
        session: r.sessionUsed,
        error: r.error ?? null,
        time: iso(r.timestamp),
      }),
      summary: (report, tally) => {
        const s = report?.summary;
        const json = {
          ...(v.campaign === undefined ? {} : { campaign: v.campaign }),
          total: tally.total,
          succeeded: s?.succeeded ?? tally.sent,
          failed: tally.failed,
          pending: s?.pending ?? tally.skipped,
          incomplete: s?.incomplete ?? 0,
          members: s?.members ?? 0,
          ...(outputDir === undefined ? {} : { outputDir }),
        };
        const lines = [...(report?.results.values() ?? [])].map(
          (r) =>
            `  ${r.group}: ${r.success ? `${r.joinStatus === 'pending' ? 'join pending approval' : `${r.members.length} members${r.complete ? '' : ` (incomplete: ${r.incompleteReason ?? 'failed'})`}`}` : `failed (${r.error ?? 'error'})`} via ${r.sessionUsed ?? '-'}`,
        );
        return {
          json,
          lines: [
            ...lines,
            `${label}: ${json.succeeded} succeeded · ${json.failed} failed · ${json.pending} pending · ${json.members} members${outputDir === undefined ? '' : ` in ${outputDir}`}`,
          ],
        };
      },
    });
  });
}
