export { type Audience, makeAudience, personKey } from './audience.js';
export { type Delivery, DeliveryLog } from './deliveryLog.js';
export { makeProfiles, type ProfileOptions, type SessionProfile } from './profiles.js';
export { rpcError } from './rpcError.js';
export {
  type FaultRecord,
  SimulatedTelegram,
  type SimulatedTelegramOptions,
} from './simulatedTelegram.js';
