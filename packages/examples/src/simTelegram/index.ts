export { type Audience, makeAudience } from './audience.js';
export { makeProfiles, type ProfileOptions, type SessionProfile } from './profiles.js';
export { rpcError } from './rpcError.js';
export {
  type Delivery,
  type FaultRecord,
  SimulatedTelegram,
  type SimulatedTelegramOptions,
} from './simulatedTelegram.js';
