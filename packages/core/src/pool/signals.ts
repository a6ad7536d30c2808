/**
 * Abort watching: one listener per signal, however many tasks share it (a bulk operation's
 * thousands of items under one signal would otherwise pile a listener each onto it). The
 * listener is removed when the last of its tasks is unwatched.
 */
export class SignalWatch<T> {
  readonly #watches = new Map<AbortSignal, { tasks: Set<T>; listener: () => void }>();
  readonly #onAbort: (task: T, signal: AbortSignal) => void;

  constructor(onAbort: (task: T, signal: AbortSignal) => void) {
    this.#onAbort = onAbort;
  }

  watch(signal: AbortSignal, task: T): void {
    let watch = this.#watches.get(signal);
    if (watch === undefined) {
      const tasks = new Set<T>();
      const listener = () => {
        this.#watches.delete(signal);
        for (const t of [...tasks]) this.#onAbort(t, signal);
      };
      watch = { tasks, listener };
      this.#watches.set(signal, watch);
      signal.addEventListener('abort', listener, { once: true });
    }
    watch.tasks.add(task);
  }

  unwatch(signal: AbortSignal, task: T): void {
    const watch = this.#watches.get(signal);
    if (watch === undefined) return;
    watch.tasks.delete(task);
    if (watch.tasks.size === 0) {
      signal.removeEventListener('abort', watch.listener);
      this.#watches.delete(signal);
    }
  }

  /** Signals still listened to. */
  get size(): number {
    return this.#watches.size;
  }
}
