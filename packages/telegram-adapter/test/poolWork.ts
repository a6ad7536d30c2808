import type { TelegramSessionManager } from '../src/telegramSessionManager.js';

/** Occupy a slot on `worker` until the returned release is called (or the pool closes). */
export function occupy(
  manager: TelegramSessionManager,
  worker: string,
  kind: 'sending' | 'scraping' | 'monitoring' | 'other' = 'other',
): { release: () => void; done: Promise<unknown> } {
  let release = () => {};
  const others = manager.sessionNames().filter((n) => n !== worker);
  const done = manager.pool.submit({
    kind,
    antiAffinity: others,
    run: ({ signal }) =>
      new Promise<void>((resolve, reject) => {
        release = resolve;
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      }),
  });
  done.catch(() => {});
  return { release: () => release(), done };
}

/** Send to one recipient at a time and return the session each went out on. */
export async function sendSequentially(
  h: {
    readonly manager: TelegramSessionManager;
    settle<T>(promise: PromiseLike<T>, limitMs?: number): Promise<T>;
  },
  count: number,
  prefix = 'seq_user',
): Promise<(string | null)[]> {
  const used: (string | null)[] = [];
  for (let i = 0; i < count; i++) {
    const report = await h.settle(h.manager.sendTextMessagesBulk([`${prefix}${i}`], 'hi'));
    used.push(report.results.get(`${prefix}${i}`)!.sessionUsed);
  }
  return used;
}
