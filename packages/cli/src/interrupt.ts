/**
 * Ctrl-C and SIGTERM. The first asks the run to stop (`onFirst`): no new sends start, those in
 * flight settle and are journalled, the manager shuts down. A second exits at once with 130; the
 * journal is still consistent then (an item caught mid-send is retried on resume only on its
 * session with its randomId, or reported unknown).
 */
export class Interrupt {
  #count = 0;
  readonly #onFirst: (signal: NodeJS.Signals) => void;
  readonly #onSecond: () => void;
  readonly #handler = (signal: NodeJS.Signals) => {
    this.#count++;
    if (this.#count === 1) this.#onFirst(signal);
    else this.#onSecond();
  };

  constructor(onFirst: (signal: NodeJS.Signals) => void, onSecond: () => void) {
    this.#onFirst = onFirst;
    this.#onSecond = onSecond;
    process.on('SIGINT', this.#handler);
    process.on('SIGTERM', this.#handler);
  }

  get happened(): boolean {
    return this.#count > 0;
  }

  dispose(): void {
    process.off('SIGINT', this.#handler);
    process.off('SIGTERM', this.#handler);
  }
}
