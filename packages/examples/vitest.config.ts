import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['switchyard-source'] },
  ssr: { resolve: { conditions: ['switchyard-source'] } },
  test: {
    name: 'examples',
    include: ['test/**/*.test.ts'],
    // Builds this package and the ones it uses: the durable example's client runs the built code.
    globalSetup: ['../core/test/buildOnce.ts'],
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.test.json' },
  },
});
