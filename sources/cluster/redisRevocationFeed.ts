import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../monitoring/log.ts';
import type { RedisLink } from './redisLink.ts';
import type { RevocationFeed } from './revocationFeed.ts';

/**
 * Revocations over Redis PUBLISH/SUBSCRIBE on `<prefix>:token-revocations`. A message missed
 * while Redis is away is covered by the bounded age of every node's cache entries
 * (auth/revocations.ts): the database is the record, the message only makes it take effect now.
 */
export function createRedisRevocationFeed(link: RedisLink, channel: string, log: Logger): RevocationFeed {
    const origin = randomUUID();
    const listeners: Array<(accountId: string) => void> = [];
    let subscriber: Redis | undefined;
    return {
        async publish(accountId) {
            await link.commands.publish(channel, JSON.stringify({ origin, accountId }));
        },
        subscribe(listener) {
            listeners.push(listener);
            if (subscriber) return;
            subscriber = link.commands.duplicate();
            subscriber.subscribe(channel).catch((error: unknown) => log.warn({ err: error }, 'token revocation channel: subscribe failed'));
            subscriber.on('message', (_channel: string, text: string) => {
                let message: { origin?: unknown; accountId?: unknown };
                try {
                    message = JSON.parse(text);
                } catch {
                    return;
                }
                if (message.origin === origin || typeof message.accountId !== 'string') return;
                for (const notify of listeners) notify(message.accountId);
            });
        },
        // The duplicate belongs to the link, which disconnects it when it closes.
        close: async () => {},
    };
}
