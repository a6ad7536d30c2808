// GramJS's own sleeps on a test's virtual clock.
//
// GramJS 2.26 waits with `Helpers.sleep` (real `setTimeout`) in a few places of its own: 2 s
// before retrying a request Telegram answered with RPC_CALL_FAIL / RPC_MCGET_FAIL or a server
// error (users.js `invoke`, up to `requestRetries` times), flood sleeps under its threshold,
// upload retries. Every caller reads the function off the module's exports at call time
// (`(0, Helpers_1.sleep)(ms)`), so replacing that export makes those waits pass on the
// injected clock, and GramJS's retry loop runs exactly as written, only without real time.
import { createRequire } from 'node:module';
import type { Clock } from '@switchyard/core';

type GramJsHelpers = { sleep: (ms: number, isUnref?: boolean) => Promise<void> };

const gramJsHelpers = createRequire(import.meta.url)('telegram/Helpers.js') as GramJsHelpers;

/** Run GramJS's `sleep` on `clock` until the returned function is called. */
export function gramJsSleepsOn(clock: Clock): () => void {
  const real = gramJsHelpers.sleep;
  gramJsHelpers.sleep = (ms) =>
    new Promise<void>((resolve) => {
      clock.setTimeout(resolve, ms);
    });
  return () => {
    gramJsHelpers.sleep = real;
  };
}
