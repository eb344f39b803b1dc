import { defineConfig } from 'vitest/config';

// Unit tests run once. The end-to-end suite runs on embedded PGlite always, and once more on
// Postgres when CI (or you) export TEST_DATABASE_URL; every test server then gets a schema of
// its own, so files run in parallel.
const databases = ['pglite', ...(process.env.TEST_DATABASE_URL ? ['postgres'] : [])];
const timeouts = { testTimeout: 30_000, hookTimeout: 60_000 };

export default defineConfig({
    test: {
        // Scans the log lines of every test server of the run for secrets (fails the run).
        globalSetup: ['tests/harness/suiteLogScan.ts'],
        projects: [
            { test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], ...timeouts } },
            ...databases.map((database) => ({
                test: {
                    name: database,
                    include: ['tests/e2e/**/*.test.ts'],
                    env: { TEST_DB: database },
                    ...timeouts,
                },
            })),
        ],
    },
});
