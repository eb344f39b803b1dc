import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findSecrets } from './logScan.ts';

/**
 * vitest globalSetup: every test server of the run writes all its log lines, trace level
 * included, to one file (TEST_LOG_FILE, inherited by the workers), and the run fails at the
 * end if any line holds something shaped like a token, key, signature or ciphertext. A
 * TEST_LOG_FILE set from outside is kept, and scanned the same way.
 */
export default async function setup() {
    const own = process.env.TEST_LOG_FILE === undefined;
    const dir = own ? await mkdtemp(join(tmpdir(), 'happy-test-logs-')) : undefined;
    const file = process.env.TEST_LOG_FILE ?? join(dir!, 'suite.jsonl');
    process.env.TEST_LOG_FILE = file;

    return async function teardown() {
        const lines = (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean);
        const findings = findSecrets(lines);
        if (dir) await rm(dir, { recursive: true, force: true });
        if (findings.length > 0) {
            console.error(`log scan: ${findings.length} findings in ${lines.length} log lines of the suite:\n${findings.slice(0, 20).join('\n')}`);
            // vitest reports an error thrown here but still exits 0.
            process.exitCode = 1;
            return;
        }
        console.log(`log scan: ${lines.length} lines of the suite's servers, no secret found`);
    };
}
