import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['switchyard-source'] },
  ssr: { resolve: { conditions: ['switchyard-source'] } },
  test: {
    name: 'telegram-adapter',
    include: ['test/**/*.test.ts'],
    // Builds dist and the crash test's child process, which run in processes of their own.
    globalSetup: ['test/crash/buildCrashChild.ts'],
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.test.json' },
  },
});
