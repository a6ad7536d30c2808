import fc from 'fast-check';
import { Api } from 'telegram';
import type { Fault, FaultContext } from './scriptedTelegram.js';

// Random fleets for the exactly-once properties: what each session does with every
// messages.SendMessage that reaches the scripted Telegram.

/** A session's behaviour towards sends. */
export type Mode =
  | { kind: 'healthy' }
  /** Every send answers AUTH_KEY_UNREGISTERED: the session is dead. */
  | { kind: 'dead' }
  /** Every send answers PEER_FLOOD: the session loses send-to-strangers. */
  | { kind: 'peer-flood' }
  /** The nth send of each peer meets `faults[n - 1]` (none after the last). */
  | { kind: 'flaky'; faults: readonly Fault[] };

/**
 * One fault as it reaches Telegram. GramJS's own invoke reacts to it first (it retries
 * RPC_CALL_FAIL itself after a 2 s sleep, on the virtual clock, and sleeps through
 * FLOOD_WAIT_0). `after`: delivered, then the answer is an error or never comes; `hang` alone:
 * never answered nor delivered.
 */
export const faultArb: fc.Arbitrary<Fault> = fc.oneof(
  fc.integer({ min: 0, max: 90 }).map((n) => ({ rpc: `FLOOD_WAIT_${n}` })),
  fc.integer({ min: 1, max: 30 }).map((n) => ({ rpc: `SLOWMODE_WAIT_${n}` })),
  fc.constant({ rpc: 'TIMEOUT', code: 500, after: true as const }),
  fc.constant({ rpc: 'TIMEOUT', code: 500 }),
  fc.constant({ rpc: 'RPC_CALL_FAIL', code: 500 }),
  fc.constant({ rpc: 'RPC_CALL_FAIL', code: 500, after: true as const }),
  fc.constant({ hang: true as const, after: true }),
  // Never answered, and not delivered either.
  fc.constant({ hang: true as const }),
);

export const modeArb: fc.Arbitrary<Mode> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: 'healthy' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'dead' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'peer-flood' as const }) },
  {
    weight: 3,
    arbitrary: fc
      .array(faultArb, { minLength: 1, maxLength: 2 })
      .map((faults) => ({ kind: 'flaky' as const, faults })),
  },
);

/** A fleet of 2 to `1 + maxOthers` sessions whose s0 never dies nor loses its capability. */
export const fleetArb = (maxOthers: number): fc.Arbitrary<Mode[]> =>
  fc
    .tuple(
      fc.oneof(
        fc.constant<Mode>({ kind: 'healthy' }),
        modeArb.filter((m) => m.kind === 'flaky'),
      ),
      fc.array(modeArb, { minLength: 1, maxLength: maxOthers }),
    )
    .map(([first, rest]) => [first, ...rest]);

/** Distinct valid usernames. */
export const recipientsArb = (max: number): fc.Arbitrary<string[]> =>
  fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9]{4,10}$/), { minLength: 1, maxLength: max });

/** The scripted Telegram's `fault` for a fleet: session `s<i>` behaves as `fleet[i]`. */
export function faultsOf(fleet: readonly Mode[]): (ctx: FaultContext) => Fault | undefined {
  const modes = new Map(fleet.map((m, i) => [`s${i}`, m]));
  return ({ session, request, n }) => {
    if (!(request instanceof Api.messages.SendMessage)) return undefined;
    const mode = modes.get(session)!;
    if (mode.kind === 'dead') return { rpc: 'AUTH_KEY_UNREGISTERED', code: 401 };
    if (mode.kind === 'peer-flood') return { rpc: 'PEER_FLOOD' };
    if (mode.kind === 'flaky') return mode.faults[n - 1];
    return undefined;
  };
}

/** Whether some send's answer is lost (delivered or not): its sender cannot know the outcome. */
export const losesAnswers = (fleet: readonly Mode[]): boolean =>
  fleet.some((mode) => mode.kind === 'flaky' && mode.faults.some((f) => f.after === true || 'hang' in f));
