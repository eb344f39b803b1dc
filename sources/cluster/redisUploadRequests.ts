import type { Logger } from '../monitoring/log.ts';
import type { RedisLink } from './redisLink.ts';
import { createRedisRequestCounters } from './redisRequestCounters.ts';
import { limitUploadRequests, type UploadRequestLimiter } from './uploadRequests.ts';

/**
 * One counter per user for the whole cluster, `<prefix>upload-requests:<userId>`, whose window
 * starts with the first request as upstream's did. While Redis is away each node counts on its
 * own (upstream's behaviour) rather than refusing every upload.
 */
export function createRedisUploadRequests(link: RedisLink, keyPrefix: string, log: Logger): UploadRequestLimiter {
    return limitUploadRequests(createRedisRequestCounters(link, keyPrefix, log, 'attachment upload requests'));
}
