import { describe, expectTypeOf, it } from 'vitest';

// The exact set of runtime exports. Adding or removing one is a decision about the public
// API: change this list (and the README) on purpose, never by accident.
type RuntimeExports =
  | 'JOIN'
  | 'ManagerShutDownError'
  | 'NoLiveSessionError'
  | 'OPERATION_KINDS'
  | 'SCRAPE'
  | 'SEND_TO_STRANGERS'
  | 'TelegramOperationError'
  | 'TelegramSessionManager'
  | 'campaignStatusOf'
  | 'createTelegramClient'
  | 'loadSessionsFromEnv'
  | 'loadSessionsFromFolder'
  | 'recipientsFromFile'
  | 'saveSessionFile';

describe('public surface', () => {
  it('exports the manager, its errors, the session loaders and createTelegramClient, and no internals', () => {
    expectTypeOf<keyof typeof import('@switchyard/telegram-adapter')>().toEqualTypeOf<RuntimeExports>();
  });

  it('still gives users the types of what the manager takes and returns', () => {
    type Api = typeof import('@switchyard/telegram-adapter');
    type Manager = InstanceType<Api['TelegramSessionManager']>;
    expectTypeOf<import('@switchyard/telegram-adapter').BulkSendOptions>().toEqualTypeOf<
      NonNullable<Parameters<Manager['sendTextMessagesBulk']>[2]>
    >();
    expectTypeOf<import('@switchyard/telegram-adapter').ScrapeGroupOptions>().toEqualTypeOf<
      NonNullable<Parameters<Manager['scrapeGroupMembers']>[1]>
    >();
    expectTypeOf<import('@switchyard/telegram-adapter').GroupScrapeResult>().toEqualTypeOf<
      Awaited<ReturnType<Manager['scrapeGroupMembers']>>
    >();
  });
});
