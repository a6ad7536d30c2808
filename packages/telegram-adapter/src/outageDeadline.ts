import type { Clock } from '@switchyard/core';

/**
 * A deadline for the bulk operations of a fleet that cannot serve them. While no session is
 * connected (every `connect()` fails or hangs, every session dropped), each running
 * operation waits at most `budgetMs` for one to come back; then `expire` fails its items.
 * Each operation's wait counts from when it began waiting, and a session that connects
 * clears every wait.
 */
export class OutageDeadline<Operation> {
  readonly #clock: Clock;
  readonly #budgetMs: number;
  readonly #down: () => boolean;
  readonly #expire: (operation: Operation, waitedMs: number) => void;
  /** Followed operations, with their timer while the fleet is down. */
  readonly #operations = new Map<Operation, unknown>();

  constructor(options: {
    clock: Clock;
    budgetMs: number;
    /** Whether no session is connected now. */
    down: () => boolean;
    expire: (operation: Operation, waitedMs: number) => void;
  }) {
    this.#clock = options.clock;
    this.#budgetMs = options.budgetMs;
    this.#down = options.down;
    this.#expire = options.expire;
  }

  follow(operation: Operation): void {
    this.#operations.set(operation, undefined);
    this.check();
  }

  forget(operation: Operation): void {
    this.#clock.clearTimeout(this.#operations.get(operation));
    this.#operations.delete(operation);
  }

  /** Look at the fleet again: a session came or went. */
  check(): void {
    if (this.#operations.size === 0) return;
    const down = this.#down();
    for (const [operation, timer] of this.#operations) {
      if (!down) {
        this.#clock.clearTimeout(timer);
        this.#operations.set(operation, undefined);
      } else if (timer === undefined) {
        this.#operations.set(
          operation,
          this.#clock.setTimeout(() => {
            this.#operations.delete(operation);
            this.#expire(operation, this.#budgetMs);
          }, this.#budgetMs),
        );
      }
    }
  }

  stop(): void {
    for (const operation of [...this.#operations.keys()]) this.forget(operation);
  }
}
