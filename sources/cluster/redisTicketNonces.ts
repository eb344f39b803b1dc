import type { Logger } from '../monitoring/log.ts';
import type { RedisLink } from './redisLink.ts';
import { createMemoryTicketNonces, type TicketNonces } from './ticketNonces.ts';

/**
 * `<prefix>ws-ticket:<nonce>` set with NX and the ticket's remaining lifetime: one SET decides
 * for the whole cluster. While Redis is away each node remembers its own claims (the guarantee
 * drops to one connection per ticket per node for those seconds) rather than refusing every
 * ticket, which would cut the app off from the server for as long as Redis is down.
 */
export function createRedisTicketNonces(link: RedisLink, keyPrefix: string, log: Logger, now: () => number = Date.now): TicketNonces {
    const local = createMemoryTicketNonces(now);
    return {
        async claim(nonce, expiresAt) {
            const ttlMs = Math.max(1, Math.ceil(expiresAt - now()));
            if (!link.up) return local.claim(nonce, expiresAt);
            try {
                return (await link.commands.set(`${keyPrefix}ws-ticket:${nonce}`, '1', 'PX', ttlMs, 'NX')) === 'OK';
            } catch (error) {
                log.warn({ err: error }, 'redis ticket register unavailable: remembering used tickets on this node only');
                return local.claim(nonce, expiresAt);
            }
        },
    };
}
