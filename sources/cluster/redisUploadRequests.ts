import type { Logger } from '../monitoring/log.ts';
import type { RedisLink } from './redisLink.ts';
import {
    createMemoryUploadRequests,
    UPLOAD_REQUEST_WINDOW_MS,
    UPLOAD_REQUESTS_PER_WINDOW,
    type UploadRequestLimiter,
} from './uploadRequests.ts';

/**
 * One counter per user for the whole cluster: `<prefix>upload-requests:<userId>`, created with
 * the window's expiry by the first request (SET NX PX) and incremented in the same MULTI, so
 * the window starts with the first request as upstream's did. While Redis is away each node
 * counts on its own (upstream's behaviour) rather than refusing every upload.
 */
export function createRedisUploadRequests(link: RedisLink, keyPrefix: string, log: Logger): UploadRequestLimiter {
    const local = createMemoryUploadRequests();
    return {
        async consumeUploadRequest(userId) {
            if (!link.up) return local.consumeUploadRequest(userId);
            const key = `${keyPrefix}upload-requests:${userId}`;
            try {
                const replies = await link.commands.multi().set(key, '0', 'PX', UPLOAD_REQUEST_WINDOW_MS, 'NX').incr(key).exec();
                const [error, count] = replies?.[1] ?? [new Error('transaction discarded'), null];
                if (error) throw error;
                return Number(count) <= UPLOAD_REQUESTS_PER_WINDOW;
            } catch (error) {
                log.warn({ err: error }, 'redis upload-request counter unavailable: counting on this node only');
                return local.consumeUploadRequest(userId);
            }
        },
    };
}
