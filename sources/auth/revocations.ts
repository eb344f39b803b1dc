import { LRUCache } from 'lru-cache';
import type { RevocationFeed } from '../cluster/revocationFeed.ts';
import type { SqlClient } from '../storage/sqlClient.ts';
import type { TokenService } from './tokens.ts';

/**
 * Cutting an account's devices off (a stolen laptop): every token of the account issued before
 * the revocation is refused from then on, on REST and on socket handshakes, on every node.
 * Tokens carry their issue time (`iat`, whole seconds), so the record is one row per revoked
 * account (AccountTokenRevocation); accounts never revoked keep every token they hold.
 *
 * Each node caches the cutoff per account (REST calls and handshakes would otherwise each read
 * it). A revocation evicts the entry on its own node and is published on the cluster's feed so
 * every other node evicts it too; should a node miss that message (Redis away), its entry
 * expires after CUTOFF_CACHE_MS, which bounds how long the node can still accept an old token.
 */
export interface TokenRevocations {
    /** Revokes every token the account holds now; null when there is no such account. */
    revoke(accountId: string): Promise<Revocation | null>;
    /** Runs after a revocation takes effect on this node (its own, or one the feed reports). */
    onRevoked(listener: (accountId: string) => void): void;
    /** A token service that also refuses revoked tokens. */
    guard(tokens: TokenService): TokenService;
}

export interface Revocation {
    revokedBefore: Date;
    /** False: the feed was unreachable; other nodes refuse the tokens once their cache entry ages out. */
    notified: boolean;
}

export const CUTOFF_CACHE_MS = 30_000;
/** The stored cutoff as epoch milliseconds, whatever the session's or Node's time zone. */
const EPOCH_MS = `(EXTRACT(EPOCH FROM "revokedBefore" AT TIME ZONE 'UTC') * 1000)::float8`;
/** "Never revoked" is cached too: LRUCache holds no undefined. */
const NONE = 0;

export function createTokenRevocations(sql: SqlClient, feed: RevocationFeed): TokenRevocations {
    const cutoffs = new LRUCache<string, number>({ max: 50_000, ttl: CUTOFF_CACHE_MS });
    const listeners: Array<(accountId: string) => void> = [];
    const revoked = (accountId: string) => {
        cutoffs.delete(accountId);
        for (const notify of listeners) notify(accountId);
    };
    feed.subscribe(revoked);

    const cutoffOf = async (accountId: string): Promise<number> => {
        const cached = cutoffs.get(accountId);
        if (cached !== undefined) return cached;
        const [row] = await sql.query<{ ms: number }>(`SELECT ${EPOCH_MS} AS ms FROM "AccountTokenRevocation" WHERE "accountId" = $1`, [accountId]);
        const cutoff = row ? Number(row.ms) : NONE;
        cutoffs.set(accountId, cutoff);
        return cutoff;
    };

    return {
        async revoke(accountId) {
            // Whole seconds, rounded up: a token issued earlier in this second has an iat below
            // the cutoff. Tokens issued in the rest of this second are refused too, so the call
            // returns only once the cutoff has passed: a device that logs in afterwards is fine.
            const cutoff = Math.ceil((Date.now() + 1) / 1000) * 1000;
            const [row] = await sql.query<{ ms: number }>(
                `INSERT INTO "AccountTokenRevocation" ("accountId", "revokedBefore")
                 SELECT id, to_timestamp($2::float8 / 1000) AT TIME ZONE 'UTC' FROM "Account" WHERE id = $1
                 ON CONFLICT ("accountId") DO UPDATE
                 SET "revokedBefore" = GREATEST("AccountTokenRevocation"."revokedBefore", EXCLUDED."revokedBefore")
                 RETURNING ${EPOCH_MS} AS ms`,
                [accountId, cutoff],
            );
            if (!row) return null;
            revoked(accountId);
            const notified = await feed.publish(accountId).then(() => true, () => false);
            const wait = cutoff - Date.now();
            if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
            return { revokedBefore: new Date(Number(row.ms)), notified };
        },
        onRevoked(listener) {
            listeners.push(listener);
        },
        guard(tokens) {
            return {
                issue: (userId, extras) => tokens.issue(userId, extras),
                async verify(token) {
                    const verified = await tokens.verify(token);
                    if (!verified) return null;
                    return verified.issuedAt * 1000 < (await cutoffOf(verified.userId)) ? null : verified;
                },
            };
        },
    };
}
