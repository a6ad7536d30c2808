import type {
  BulkSendReport,
  MessageResult,
  TelegramClientLike,
  TelegramSessionManager,
} from '@switchyard/telegram-adapter';
import type { Observable } from 'rxjs';
import type { TelegramClient } from 'telegram';
import { describe, expectTypeOf, it } from 'vitest';

describe('public types', () => {
  it('a real GramJS TelegramClient is a TelegramClientLike', () => {
    expectTypeOf<TelegramClient>().toMatchTypeOf<TelegramClientLike>();
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
