import { randomUUID } from 'node:crypto';
import type { RedisLink } from './redisLink.ts';
import type { SweepLease } from './sweepLease.ts';

/** Renew if ours, take if free (SET NX PX), in one step so two nodes cannot both win. */
const HOLD = `
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if holder then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX')
return 1`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * A lease in Redis (`<prefix>:lease:<name>`, value = this node's random id). The holder renews it
 * on every tick; if the holder dies, the lease expires after `ttlMs` and the next node to tick
 * takes it. While Redis is away every node holds it, as upstream (where every node swept):
 * the sweep's guarded UPDATE still flips, and announces, each row exactly once.
 */
export function createRedisSweepLease(link: RedisLink, key: string): SweepLease {
    const holder = randomUUID();
    return {
        async hold(ttlMs) {
            if (!link.up) return true;
            try {
                return (await link.commands.eval(HOLD, 1, key, holder, ttlMs)) === 1;
            } catch {
                return true;
            }
        },
        async release() {
            await link.commands.eval(RELEASE, 1, key, holder).catch(() => {});
        },
    };
}
