import { defineConfig } from 'vitest/config';

// Each package is a Vitest project. Tests resolve workspace packages to their TypeScript
// sources (the `switchyard-source` export condition), so `vitest` needs no build first.
export default defineConfig({
  test: {
    projects: ['packages/*'],
  },
});
