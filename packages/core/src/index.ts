export * from './errors.js';
export { flushMicrotasks, seededRandom, systemClock, VirtualClock } from './time/clock.js';
export type * from './types.js';
