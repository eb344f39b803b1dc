import type { Logger } from '../monitoring/log.ts';
import type { RedisLink } from './redisLink.ts';
import { redisOrLocal } from './redisOrLocal.ts';
import { createMemoryRequestCounters, type RequestCounters } from './requestCounters.ts';

/**
 * One counter per key for the whole cluster, `<prefix><key>`: created with the window's expiry
 * by the first hit (SET NX PX) and incremented in the same MULTI. While Redis is unreachable (the
 * link is down, or a command fails) this node counts on its own instead, so a Redis outage,
 * whether an attacker caused it or waited for it, leaves every limit in force per node rather
 * than lifting it; once Redis answers again the shared counts are used again (the hits counted
 * locally meanwhile are not carried over). The switch is logged once each way, not per request.
 * `what` names the limits in those lines.
 */
export function createRedisRequestCounters(link: RedisLink, keyPrefix: string, log: Logger, what: string): RequestCounters {
    const local = createMemoryRequestCounters();
    const run = redisOrLocal(link, log, `${what} counted on this node only`, `${what} counted for the whole cluster again`);
    return {
        hit: (key, windowMs) =>
            run(
                async () => {
                    const name = `${keyPrefix}${key}`;
                    const replies = await link.commands.multi().set(name, '0', 'PX', windowMs, 'NX').incr(name).pttl(name).exec();
                    if (!replies) throw new Error('transaction discarded');
                    const failed = replies[1]?.[0] ?? replies[2]?.[0];
                    if (failed) throw failed;
                    const count = Number(replies[1]![1]);
                    const ttl = Number(replies[2]![1]);
                    if (ttl > 0) return { count, resetInMs: ttl };
                    // No expiry (the key expired between SET NX and INCR on a Redis without the time
                    // snapshot of transactions): the window starts now, or the key would never reset.
                    await link.commands.pexpire(name, windowMs).catch(() => {});
                    return { count, resetInMs: windowMs };
                },
                () => local.hit(key, windowMs),
            ),
    };
}
