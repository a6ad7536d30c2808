import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryJournal } from '@switchyard/core';
import { SqliteJournal } from '@switchyard/core/sqlite';
import { describeJournalConformance } from '@switchyard/core/testing';

describeJournalConformance('MemoryJournal', () => ({ journal: ({ now }) => new MemoryJournal({ now }) }), {
  shared: false,
});

describeJournalConformance(
  'SqliteJournal',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-journal-'));
    return {
      journal: ({ now }) => new SqliteJournal({ path: join(dir, 'j.sqlite'), now }),
      dispose: () => rmSync(dir, { recursive: true, force: true }),
    };
  },
  { shared: true },
);
