import { SwitchyardError } from '@switchyard/core';

/** A strategy factory or facade got an option it cannot use. Nothing was created. */
export class InvalidStrategyOptionError extends SwitchyardError {
  readonly strategy: string;
  readonly field: string;
  readonly reason: string;
  constructor(strategy: string, field: string, reason: string) {
    super('E_STRATEGY_OPTION', `${strategy}: ${field} ${reason}`);
    this.strategy = strategy;
    this.field = field;
    this.reason = reason;
  }
}
