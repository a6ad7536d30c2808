// Prints the strategy comparison table: `pnpm --filter @switchyard/strategies simulate`.
import { compareStrategies, formatResults } from './compare.js';

const seed = Number(process.argv[2] ?? 1);
const started = performance.now();
console.log(formatResults(compareStrategies(undefined, undefined, seed)));
console.log(`\nseed ${seed}, ${((performance.now() - started) / 1_000).toFixed(1)} s wall time`);
