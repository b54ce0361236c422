import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * Deployment tests (`npm run test:deploy`): the Containerfile's steps run in a scratch directory
 * (no container engine on these machines), the image's commands against PostgreSQL 15 at
 * 127.0.0.1:5432, and the Kubernetes and systemd examples checked as files.
 */
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/deploy/**/*.test.ts'],
    environment: 'node',
    // The files also match the server project's `test/**/*.test.ts`; they run only under this config.
    env: { REVIEW_CONSOLE_DEPLOY_TESTS: '1' },
    // Two `npm ci` and a web build: minutes on two cores, bounded by each step's own failure.
    testTimeout: 900_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
