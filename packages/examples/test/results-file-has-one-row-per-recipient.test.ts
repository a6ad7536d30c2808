import type { MessageResult } from '@switchyard/telegram-adapter';
import { describe, expect, it } from 'vitest';
import { resultsCsv } from '../src/demo/resultsFile.js';

const result = (over: Partial<MessageResult>): MessageResult => ({
  recipient: 'alice_one',
  success: true,
  outcome: 'sent',
  sessionUsed: 'session-01',
  attempts: 1,
  timestamp: 1_500,
  ...over,
});

describe("the demo's results.csv", () => {
  it('has a header and one row per result, times from the start, and quotes what needs quoting', () => {
    const csv = resultsCsv(
      [
        result({}),
        result({
          recipient: 'ghost_user',
          success: false,
          outcome: 'failed',
          error: 'No user has "ghost_user" as username',
          timestamp: 2_250.4,
        }),
        result({
          recipient: 'a,b',
          success: false,
          outcome: 'skipped',
          sessionUsed: null,
          error: 'x',
          attempts: 0,
        }),
      ],
      1_000,
    );
    expect(csv).toBe(
      [
        'recipient,outcome,session,error,attempts,time_ms',
        'alice_one,sent,session-01,,1,500',
        'ghost_user,failed,session-01,"No user has ""ghost_user"" as username",1,1250',
        '"a,b",skipped,,x,0,500',
        '',
      ].join('\n'),
    );
  });
});
