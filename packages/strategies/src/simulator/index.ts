export { compareStrategies, formatResults } from './compare.js';
export { markdownTable } from './markdownTable.js';
export { percentile } from './percentile.js';
export type { Scenario, SimWorkerSpec } from './scenario.js';
export {
  allScenarios,
  herdingScenario,
  heterogeneousScenario,
  linkerdScenario,
  telegramScenario,
} from './scenario.js';
export type { SimResult, StrategyFactory } from './simulate.js';
export { simulate } from './simulate.js';
