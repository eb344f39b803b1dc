import { createMemoryRequestCounters, type RequestCounters } from './requestCounters.ts';

/**
 * The per-user limit of attachment upload requests (spec rest.md §1.11): 60 per fixed window
 * of 60 s that starts with a user's first request. Upstream kept the counters per process, so
 * N nodes allowed N times as many; over Redis counters the whole cluster shares one budget.
 */
export interface UploadRequestLimiter {
    /** Counts one request; false when the user is over the limit for the current window. */
    consumeUploadRequest(userId: string): Promise<boolean>;
}

export const UPLOAD_REQUESTS_PER_WINDOW = 60;
export const UPLOAD_REQUEST_WINDOW_MS = 60_000;
/** Its `limit` label in http_rate_limited_total, beside the HTTP rate-limit classes. */
export const ATTACHMENT_REQUESTS_LIMIT = 'attachment_requests';

/** Counted as `upload-requests:<userId>`. */
export function limitUploadRequests(counters: RequestCounters): UploadRequestLimiter {
    return {
        async consumeUploadRequest(userId) {
            const { count } = await counters.hit(`upload-requests:${userId}`, UPLOAD_REQUEST_WINDOW_MS);
            return count <= UPLOAD_REQUESTS_PER_WINDOW;
        },
    };
}

export function createMemoryUploadRequests(now: () => number = Date.now): UploadRequestLimiter {
    return limitUploadRequests(createMemoryRequestCounters(now));
}
