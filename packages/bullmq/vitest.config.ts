import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['switchyard-source'] },
  ssr: { resolve: { conditions: ['switchyard-source'] } },
  test: {
    name: 'bullmq',
    include: ['test/**/*.test.ts'],
    // Child processes of the lease tests run the built package: build it (and core) first.
    globalSetup: ['../core/test/buildOnce.ts'],
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.test.json' },
  },
});
