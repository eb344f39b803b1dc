import type { Logger } from '../monitoring/log.ts';
import type { RedisLink } from './redisLink.ts';
import { redisOrLocal } from './redisOrLocal.ts';
import { createMemoryTicketNonces, type TicketNonces } from './ticketNonces.ts';

/**
 * `<prefix>ws-ticket:<nonce>` set with NX and the ticket's remaining lifetime: one SET decides
 * for the whole cluster. While Redis is away each node remembers its own claims (the guarantee
 * drops to one connection per ticket per node for those seconds) rather than refusing every
 * ticket, which would cut the app off from the server for as long as Redis is down.
 */
export function createRedisTicketNonces(link: RedisLink, keyPrefix: string, log: Logger, now: () => number = Date.now): TicketNonces {
    const local = createMemoryTicketNonces(now);
    const run = redisOrLocal(
        link,
        log,
        'used WebSocket tickets remembered on this node only',
        'used WebSocket tickets remembered for the whole cluster again',
    );
    return {
        claim: (nonce, expiresAt) =>
            run(
                async () => {
                    const ttlMs = Math.max(1, Math.ceil(expiresAt - now()));
                    return (await link.commands.set(`${keyPrefix}ws-ticket:${nonce}`, '1', 'PX', ttlMs, 'NX')) === 'OK';
                },
                () => local.claim(nonce, expiresAt),
            ),
    };
}
