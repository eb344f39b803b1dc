import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config.ts';
import type { Logger } from '../monitoring/log.ts';

/**
 * The embedded default needs no setup, yet tokens must survive restarts: without
 * HANDY_MASTER_SECRET the secret lives in DATA_DIR/master-secret (the same file, format and mode
 * the Happy CLI's `happy server` uses), created on first start.
 */
export async function resolveMasterSecret(config: Config, log: Logger): Promise<string> {
    if (config.masterSecret) return config.masterSecret;
    const file = join(config.dataDir, 'master-secret');
    try {
        const stored = (await readFile(file, 'utf8')).trim();
        if (stored) {
            log.info({ file }, 'using the master secret kept in the data directory');
            return stored;
        }
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    await mkdir(config.dataDir, { recursive: true });
    const secret = randomBytes(32).toString('hex');
    await writeFile(file, secret, { mode: 0o600, flag: 'wx' });
    log.warn({ file }, 'generated a new master secret; keep this file: every token depends on it');
    return secret;
}
