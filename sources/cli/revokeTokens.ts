import { callAdmin, readJson } from '../admin/adminSocket.ts';
import { createTokenRevocations } from '../auth/revocations.ts';
import { revocationChannel } from '../cluster/cluster.ts';
import { createRedisLink } from '../cluster/redisLink.ts';
import { createRedisRevocationFeed } from '../cluster/redisRevocationFeed.ts';
import { createMemoryRevocationFeed } from '../cluster/revocationFeed.ts';
import type { Config } from '../config.ts';
import { createLogger } from '../monitoring/log.ts';
import { createDb } from '../storage/db.ts';
import { CliError } from './backup.ts';

/**
 * `accounts revoke-tokens <accountId>`: through the running server when one answers (it tells
 * the other nodes), else in the database directly, published on Redis when REDIS_URL is set so
 * running nodes elsewhere drop their cached state and the account's sockets at once.
 */
export async function revokeTokens(config: Config, accountId: string): Promise<string> {
    const server = await callAdmin(config.dataDir, 'POST', `/accounts/${encodeURIComponent(accountId)}/revoke-tokens`);
    if (server) {
        const body = await readJson<{ revokedBefore?: string; notified?: boolean; error?: string; message?: string }>(server.body);
        if (server.status === 404) throw new CliError(`no account ${accountId}`);
        if (server.status !== 200) throw new CliError(`the server refused: ${body.error ?? ''} ${body.message ?? ''}`.trim());
        return describe(body.revokedBefore ?? '', body.notified ?? false);
    }
    const log = createLogger('warn');
    const link = config.redisUrl ? createRedisLink(config.redisUrl, log) : undefined;
    const feed = link ? createRedisRevocationFeed(link, revocationChannel(), log) : createMemoryRevocationFeed();
    const db = await createDb(config.database);
    try {
        const result = await createTokenRevocations(db.sql, feed).revoke(accountId);
        if (!result) throw new CliError(`no account ${accountId}`);
        return describe(result.revokedBefore.toISOString(), result.notified && Boolean(link));
    } finally {
        await db.close();
        await link?.close();
    }
}

function describe(revokedBefore: string, notified: boolean): string {
    const reach = notified
        ? 'every node refuses them now'
        : 'nodes that were not told refuse them within 30 s (their cache of revocations expires)';
    return `tokens issued before ${revokedBefore} are revoked; ${reach}. The account's devices log in again with their keys.`;
}
