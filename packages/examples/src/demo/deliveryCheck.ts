import type { MessageResult } from '@switchyard/telegram-adapter';
import { tallyExactlyOnce } from '../shared/exactlyOnce.js';
import { type Audience, type Delivery, personKey } from '../simTelegram/index.js';
import { table } from './format.js';

/** A send whose outcome the campaign could not learn, and what Telegram's log says of it. */
export interface UnknownOutcome {
  readonly recipient: string;
  /** The session that was mid-send; null when the result names none (unexplained). */
  readonly session: string | null;
  /** Messages Telegram's log shows the person got. */
  readonly delivered: number;
}

/** The campaign's results held against the simulated Telegram's own delivery log. */
export interface DeliveryCheck {
  /** Valid usernames on the list, each counted once however often or however it is spelt. */
  readonly people: number;
  readonly deliveredOnce: number;
  /** Messages beyond a person's first. */
  readonly duplicates: number;
  /** People Telegram has no message for, by the outcome that says why. */
  readonly notDelivered: { readonly failed: number; readonly skipped: number; readonly unknown: number };
  /** People Telegram has no message for whose results do not say why (or say sent): lost. */
  readonly lost: readonly string[];
  /** People Telegram delivered to although every result for them says failed or skipped. */
  readonly contradicted: readonly string[];
  readonly unknown: readonly UnknownOutcome[];
  readonly ok: boolean;
}

/**
 * Check every valid person on the list against Telegram's log: delivered exactly once, or not
 * delivered with a result that says why (failed or skipped with a reason, or an unknown outcome
 * naming the session that was mid-send).
 */
export function checkDeliveries(
  audience: Audience,
  results: readonly MessageResult[],
  deliveries: readonly Delivery[],
): DeliveryCheck {
  const valid = new Set([...audience.deliverable, ...audience.privacyRestricted, ...audience.unknown]);
  const resultsOf = new Map<string, MessageResult[]>();
  for (const person of audience.recipients.map(personKey)) if (valid.has(person)) resultsOf.set(person, []);
  for (const r of results) resultsOf.get(personKey(r.recipient))?.push(r);
  const times = new Map<string, number>();
  for (const d of deliveries) times.set(d.user, (times.get(d.user) ?? 0) + 1);
  const explains = (r: MessageResult) =>
    r.outcome === 'unknown' ? r.sessionUsed !== null : r.outcome !== 'sent' && r.error !== undefined;
  const tally = tallyExactlyOnce(
    times,
    [...resultsOf].map(([person, rs]) => ({ key: person, explained: rs.length > 0 && rs.every(explains) })),
  );
  const notDelivered = { failed: 0, skipped: 0, unknown: 0 };
  const contradicted: string[] = [];
  for (const [person, rs] of resultsOf) {
    // The result that carries the person's message: not a second spelling skipped as a duplicate.
    const carrier = rs.find((r) => r.duplicateOf === undefined) ?? rs[0];
    const delivered = times.has(person);
    if (!delivered && carrier !== undefined && carrier.outcome !== 'sent' && rs.every(explains))
      notDelivered[carrier.outcome]++;
    if (delivered && !rs.some((r) => r.outcome === 'sent' || r.outcome === 'unknown'))
      contradicted.push(person);
  }
  const unknown = results
    .filter((r) => r.outcome === 'unknown')
    .map((r) => ({
      recipient: r.recipient,
      session: r.sessionUsed,
      delivered: times.get(personKey(r.recipient)) ?? 0,
    }));
  return {
    people: resultsOf.size,
    deliveredOnce: [...resultsOf.keys()].filter((p) => times.get(p) === 1).length,
    duplicates: tally.duplicates,
    notDelivered,
    lost: tally.lost,
    contradicted,
    unknown,
    ok:
      tally.duplicates === 0 &&
      tally.lost.length === 0 &&
      contradicted.length === 0 &&
      unknown.every((u) => u.session !== null),
  };
}

/** The check's counts, one row each: for the printed table and the report. */
export function checkRows(check: DeliveryCheck): [string, number][] {
  return [
    ['people on the list', check.people],
    ['delivered exactly once', check.deliveredOnce],
    ['messages beyond the first (duplicates)', check.duplicates],
    ['not delivered: failed, with the reason', check.notDelivered.failed],
    ['not delivered: skipped, with the reason', check.notDelivered.skipped],
    ['not delivered: outcome unknown', check.notDelivered.unknown],
    ['lost: not delivered, and no reason', check.lost.length],
    ['delivered, though reported not sent', check.contradicted.length],
  ];
}

const few = (names: readonly string[]) =>
  names.length <= 5 ? names.join(', ') : `${names.slice(0, 5).join(', ')} and ${names.length - 5} more`;

/**
 * The check as printed: the counts, each unknown outcome with its session and what Telegram's
 * log says, and the verdict. `sessionState` names a session's state at the end (dead, …).
 */
export function formatCheck(
  check: DeliveryCheck,
  logPath: string,
  sessionState: (name: string) => string,
): string {
  const unknown =
    check.unknown.length === 0
      ? 'outcome unknown: none'
      : table(
          ['outcome unknown', 'mid-send on', "Telegram's log"],
          check.unknown.map((u) => [
            u.recipient,
            u.session === null
              ? 'no session named: unexplained'
              : `${u.session} (${sessionState(u.session)})`,
            u.delivered === 0 ? 'not delivered' : `delivered ${u.delivered}×`,
          ]),
        );
  const problems = [
    check.duplicates > 0 ? `${check.duplicates} duplicate message(s)` : '',
    check.lost.length > 0 ? `lost: ${few(check.lost)}` : '',
    check.contradicted.length > 0 ? `delivered though reported not sent: ${few(check.contradicted)}` : '',
    check.unknown.some((u) => u.session === null) ? 'an unknown outcome names no session' : '',
  ].filter((p) => p !== '');
  return [
    `Check against Telegram's own delivery log (${logPath})`,
    table(['check', 'count'], checkRows(check)),
    '',
    unknown,
    '',
    check.ok
      ? 'check passed: nobody got two messages, nobody was lost'
      : `CHECK FAILED: ${problems.join('; ')}`,
    '',
  ].join('\n');
}
