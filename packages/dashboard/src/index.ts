export {
  type CheckedOptions,
  type DashboardOptions,
  type DashboardSource,
  isLoopback,
  MIN_TOKEN_LENGTH,
  parseListenAddress,
  TOKEN_ENV,
} from './options.js';
export { sessionState } from './sessionState.js';
export {
  type Dashboard,
  HEARTBEAT_INTERVAL_MS,
  startDashboard,
  UPDATE_INTERVAL_MS,
} from './startDashboard.js';
export type { TrackableOperation } from './trackedOperations.js';
export * from './wire.js';
