import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['switchyard-source'] },
  ssr: { resolve: { conditions: ['switchyard-source'] } },
  test: {
    name: 'cli',
    include: ['test/**/*.test.ts'],
    // Each run of the bin loads GramJS and the config (about 2 s on a busy 2-core machine).
    testTimeout: 120_000,
    // The tests run the built `switchyard` bin in child processes, as an operator would: build it first.
    globalSetup: ['../core/test/buildOnce.ts'],
  },
});
