import type {
  BulkSendReport,
  CampaignJournalOption,
  CampaignStatus,
  MessageResult,
  TelegramClientLike,
  TelegramSessionManager,
  TelegramSessionManagerOptions,
} from '@switchyard/telegram-adapter';
import type { Observable } from 'rxjs';
import type { TelegramClient } from 'telegram';
import type { Api as TeleprotoApi, TelegramClient as TeleprotoClient } from 'teleproto';
import { describe, expectTypeOf, it } from 'vitest';

describe('public types', () => {
  it('a real GramJS TelegramClient is a TelegramClientLike', () => {
    expectTypeOf<TelegramClient>().toMatchTypeOf<TelegramClientLike>();
  });

  it("a teleproto TelegramClient is a TelegramClientLike, and a session with teleproto's Api", () => {
    expectTypeOf<TeleprotoClient>().toMatchTypeOf<TelegramClientLike>();
    expectTypeOf<{
      name: 'a';
      client: TeleprotoClient;
      api: typeof TeleprotoApi;
    }>().toMatchTypeOf<TelegramSessionManagerOptions['sessions'][number]>();
  });

  it('bulk sends give an Observable of MessageResult and await to the report with a Map of results', () => {
    type Op = ReturnType<TelegramSessionManager['sendTextMessagesBulk']>;
    expectTypeOf<Op['results$']>().toEqualTypeOf<Observable<MessageResult>>();
    expectTypeOf<Awaited<Op>>().toEqualTypeOf<BulkSendReport>();
    expectTypeOf<BulkSendReport['results']>().toEqualTypeOf<Map<string, MessageResult>>();
    expectTypeOf<MessageResult>().toHaveProperty('sessionUsed');
    expectTypeOf<MessageResult>().toHaveProperty('attempts');
  });

  it('campaigns: a journal option, a campaign id on bulk sends, resume, status and list', () => {
    expectTypeOf<TelegramSessionManagerOptions['journal']>().toEqualTypeOf<
      CampaignJournalOption | undefined
    >();
    expectTypeOf<'campaigns.sqlite'>().toMatchTypeOf<CampaignJournalOption>();
    expectTypeOf<{ path: string; synchronous: 'full' }>().toMatchTypeOf<CampaignJournalOption>();
    expectTypeOf<import('@switchyard/core').MemoryJournal>().toMatchTypeOf<CampaignJournalOption>();
    type SendOptions = NonNullable<Parameters<TelegramSessionManager['sendTextMessagesBulk']>[2]>;
    expectTypeOf<SendOptions['campaign']>().toEqualTypeOf<string | undefined>();
    type MediaOptions = NonNullable<Parameters<TelegramSessionManager['sendMediaMessagesBulk']>[3]>;
    expectTypeOf<MediaOptions['campaign']>().toEqualTypeOf<string | undefined>();
    type ScrapeOptions = NonNullable<Parameters<TelegramSessionManager['bulkScrapeGroups']>[1]>;
    expectTypeOf<ScrapeOptions['campaign']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<TelegramSessionManager['resumeCampaign']>().parameters.toEqualTypeOf<[string]>();
    expectTypeOf<ReturnType<TelegramSessionManager['resumeCampaign']>>().toEqualTypeOf<
      ReturnType<TelegramSessionManager['sendTextMessagesBulk']>
    >();
    expectTypeOf<ReturnType<TelegramSessionManager['campaignStatus']>>().toEqualTypeOf<
      Promise<CampaignStatus | undefined>
    >();
    expectTypeOf<ReturnType<TelegramSessionManager['listCampaigns']>>().toEqualTypeOf<
      Promise<CampaignStatus[]>
    >();
    expectTypeOf<CampaignStatus>().toEqualTypeOf<{
      readonly id: string;
      readonly kind: string;
      readonly total: number;
      readonly sent: number;
      readonly failed: number;
      readonly skipped: number;
      readonly pending: number;
      readonly unknown: number;
      readonly startedAt: number;
      readonly updatedAt: number;
    }>();
    expectTypeOf<MessageResult['outcome']>().toEqualTypeOf<'sent' | 'failed' | 'skipped' | 'unknown'>();
  });
});
