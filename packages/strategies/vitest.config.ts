import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['switchyard-source'] },
  ssr: { resolve: { conditions: ['switchyard-source'] } },
  test: {
    name: 'strategies',
    include: ['test/**/*.test.ts'],
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.test.json' },
  },
});
