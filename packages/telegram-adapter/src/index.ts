// The public API: the manager, its options and results, the session loaders and the error
// classes a caller may catch. Everything else in src/ is internal (and pinned out by
// test/public-surface.test-d.ts).

export type { BulkOperation } from '@switchyard/core';
export { ManagerShutDownError, NoLiveSessionError } from './adapterErrors.js';
export {
  type CampaignJournalOption,
  type CampaignStatus,
  campaignStatus as campaignStatusOf,
} from './campaign.js';
export type { MonitoredMessage } from './chatMonitor.js';
export type {
  EntityLike,
  GramJsFamilyClient,
  TelegramClientLike as GramJsClientLike,
  TelegramSession,
  TelegramSessionSpec,
} from './clientLike.js';
export type { ReconnectOptions } from './connectionSupervisor.js';
export { type CreateClientOptions, createTelegramClient } from './createClient.js';
export type { BigInteger } from './deliver.js';
export type { JoinStatus } from './joinGroup.js';
export type { TelegramSessionManagerOptions } from './managerOptions.js';
export type { MediaType } from './mediaFile.js';
export type { MemberFormat } from './memberExport.js';
export type { BulkSendReport, BulkSendSummary, MessageResult } from './messageResult.js';
export { OPERATION_KINDS, type OperationKind } from './operationKinds.js';
export type {
  BulkScrapeOptions,
  BulkSendOptions,
  MediaSendOptions,
  ScrapeGroupOptions,
} from './operationOptions.js';
export type { TelegramClientLike } from './publicClient.js';
export {
  type Groups,
  type Recipients,
  type RecipientsFileOptions,
  recipientsFromFile,
} from './recipientSource.js';
export type { GroupScrapeResult } from './scrapeGroupTask.js';
export { SCRAPE } from './scrapeGroupTask.js';
export type { IncompleteReason, Member } from './scrapeMembers.js';
export {
  loadSessionsFromEnv,
  loadSessionsFromFolder,
  type SessionLoadOptions,
  saveSessionFile,
} from './sessionSources.js';
export type { StrategyName } from './strategyName.js';
export { JOIN, SEND_TO_STRANGERS } from './telegramErrorClass.js';
export {
  type BulkScrapeReport,
  type SessionInfo,
  TelegramOperationError,
  TelegramSessionManager,
} from './telegramSessionManager.js';
