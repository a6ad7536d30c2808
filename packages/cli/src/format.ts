/**
 * The text formatting the `switchyard` progress view uses, for other terminal views that
 * should read the same: `duration(ms)` (`850 ms`, `12.3s`, `4m 05s`, `1h 02m`; a negative
 * duration reads `0 ms`, an infinite one `∞`) and `bar(fraction, width)`, a progress bar
 * drawn in eighths of a cell.
 * @module
 */
export { bar, duration } from './output/format.js';
