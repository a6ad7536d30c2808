import type {
  BulkSendReport,
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
});
