import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import type { VirtualClock } from '@switchyard/core';

export interface DriveOptions {
  /**
   * Campaign milliseconds per real millisecond. 0 runs as fast as the CPU allows. The
   * virtual clock never runs ahead of `start + speed × elapsed real time`.
   */
  readonly speed: number;
  /** Called after every step, once the promises the step released have settled. */
  readonly onStep?: (now: number) => void;
  /** Give up after this much campaign time (a safety bound, not a timeout anyone should hit). */
  readonly limitMs?: number;
}

/**
 * Drive a VirtualClock until `done()` is true: fire timers in order and let promises settle
 * after each, at `speed` × real time. Every few steps it yields a real event-loop turn so a
 * terminal view (real timers) can draw. Returns false if time ran out or nothing was left
 * to wait for while `done()` was still false.
 */
export async function driveUntil(
  clock: VirtualClock,
  done: () => boolean,
  options: DriveOptions,
): Promise<boolean> {
  const startReal = performance.now();
  const startVirtual = clock.now();
  const end = startVirtual + (options.limitMs ?? 7 * 24 * 3600_000);
  let steps = 0;
  await clock.advance(0);
  while (!done()) {
    const next = clock.nextTimerAt() ?? (await timerAfterRealIo(clock, done));
    if (done()) break;
    if (next === undefined || next > end) return false;
    if (options.speed > 0) {
      const allowed = startVirtual + (performance.now() - startReal) * options.speed;
      if (next > allowed) {
        await sleep(Math.min(50, Math.max(1, (next - allowed) / options.speed)));
        continue;
      }
    }
    await realIoSettled();
    if (done()) break;
    await clock.advanceTo(next);
    options.onStep?.(clock.now());
    if (++steps % 256 === 0) await nextTurn();
  }
  return true;
}

/**
 * With no timer set, the only thing that can still set one is real I/O (a source file being read):
 * wait for it, and a few event-loop turns more, before concluding that nothing is left. Gives the
 * next timer, or undefined.
 */
async function timerAfterRealIo(clock: VirtualClock, done: () => boolean): Promise<number | undefined> {
  for (let idle = 0; idle < 3 && !done(); idle++) {
    if (fsBusy()) idle = -1;
    await nextTurn();
    const next = clock.nextTimerAt();
    if (next !== undefined) return next;
  }
  return undefined;
}

/** FSReq*: fs calls; CloseReq: closing a FileHandle (the adapter reads a media file's first bytes). */
const fsBusy = () => process.getActiveResourcesInfo().some((r) => r.startsWith('FSReq') || r === 'CloseReq');

/**
 * Wait until no file-system request is outstanding. Real I/O (GramJS reading the file it
 * uploads, the adapter checking a media file) takes no virtual time; without this, virtual
 * time would race ahead while a read is in the thread pool and time the upload out.
 */
async function realIoSettled(): Promise<void> {
  const deadline = performance.now() + 5000;
  while (fsBusy() && performance.now() < deadline) await nextTurn();
}
