export {
  ManagerShutDownError,
  NoLiveSessionError,
  OutcomeUnknownError,
  QuotaExhaustedError,
} from './adapterErrors.js';
export { BulkOperation } from './bulkOperation.js';
export { CapabilityHolds } from './capabilityHolds.js';
export { ChatMonitor, type MonitoredMessage } from './chatMonitor.js';
export { classifyFailure, failureOf } from './classifyFailure.js';
export type { EntityLike, TelegramClientLike, TelegramSession } from './clientLike.js';
export { ConnectionSupervisor, DEFAULT_RECONNECT, type ReconnectOptions } from './connectionSupervisor.js';
export { type CreateClientOptions, createTelegramClient } from './createClient.js';
export { DailyQuota } from './dailyQuota.js';
export {
  type BigInteger,
  type Content,
  type DeliveryOutcome,
  deliver,
  inputMedia,
  uploadMedia,
} from './deliver.js';
export { describeError, errorCode } from './errorCode.js';
export { type GroupRef, groupEntity, parseGroupRef } from './groupRef.js';
export { type JoinResult, type JoinStatus, joinGroup } from './joinGroup.js';
export type { TelegramSessionManagerOptions } from './managerOptions.js';
export {
  checkMediaFile,
  DOCUMENT_MAX_BYTES,
  imageDimensions,
  type MediaFile,
  type MediaType,
  PHOTO_MAX_BYTES,
  PHOTO_MAX_DIMENSION_SUM,
  PREMIUM_DOCUMENT_MAX_BYTES,
} from './mediaFile.js';
export { type MemberFormat, membersToCsv, membersToJsonl, writeMembers } from './memberExport.js';
export { type BulkSendReport, type BulkSendSummary, type MessageResult, summarize } from './messageResult.js';
export { CAPTION_MAX_CHARS, MESSAGE_MAX_CHARS, validateCaption, validateMessageText } from './messageText.js';
export {
  checkRecipient,
  entityOf,
  partitionRecipients,
  type Recipient,
  type RecipientCheck,
  type RecipientPartition,
  usernameSchema,
} from './recipient.js';
export { type GroupScrapeResult, SCRAPE, scrapeGroupTask } from './scrapeGroupTask.js';
export { DEFAULT_SEARCH_QUERIES, type Member, type ScrapeOptions, scrapeMembers } from './scrapeMembers.js';
export { sendToRecipient } from './sendToRecipient.js';
export {
  type Credentials,
  loadSessionsFromEnv,
  loadSessionsFromFolder,
  resolveCredentials,
  type SessionLoadOptions,
  saveSessionFile,
  sessionsFromArray,
} from './sessionSources.js';
export {
  DEFAULT_STRATEGY,
  resolveStrategy,
  STRATEGY_NAMES,
  type StrategyContext,
  type StrategyName,
} from './strategyName.js';
export type { TaskContext } from './taskContext.js';
export {
  classifyTelegramError,
  floodWaitMs,
  JOIN,
  SEND_TO_STRANGERS,
  type TelegramErrorClass,
} from './telegramErrorClass.js';
export {
  type BulkScrapeOptions,
  type BulkScrapeReport,
  type BulkSendOptions,
  type MediaSendOptions,
  OPERATION_KINDS,
  type OperationKind,
  type ScrapeGroupOptions,
  type SessionInfo,
  TelegramOperationError,
  TelegramSessionManager,
} from './telegramSessionManager.js';
