import { SwitchyardError } from '@switchyard/core';

/**
 * Every session that could address an item's user is gone (dead or removed) while the item
 * waited for one. Reported by Telegram's own code for the case: no session left can use the id.
 */
export class PeerUnreachableError extends SwitchyardError {
  constructor() {
    super('PEER_ID_INVALID', 'no session that knows this user is left');
  }
}

/**
 * The items that may run only on some sessions (a user id only those sessions know), told
 * when a session goes for good, so an item none of whose sessions is left fails instead of
 * waiting for ever.
 */
export class PeerRoutes {
  readonly #watchers = new Set<() => void>();

  /** Call `check` whenever a session has gone; returns the function that stops it. */
  watch(check: () => void): () => void {
    this.#watchers.add(check);
    return () => this.#watchers.delete(check);
  }

  /** A session is dead or was removed. */
  sessionGone(): void {
    for (const check of [...this.#watchers]) check();
  }
}
