/**
 * The per-user limit of attachment upload requests (spec rest.md §1.11): 60 per fixed window
 * of 60 s that starts with a user's first request. Upstream kept the counters per process, so
 * N nodes allowed N times as many; the Redis driver counts for the whole cluster.
 */
export interface UploadRequestLimiter {
    /** Counts one request; false when the user is over the limit for the current window. */
    consumeUploadRequest(userId: string): Promise<boolean>;
}

export const UPLOAD_REQUESTS_PER_WINDOW = 60;
export const UPLOAD_REQUEST_WINDOW_MS = 60_000;
/** Upstream's bound: past this many users, expired windows are pruned. */
const PRUNE_ABOVE = 10_000;

export function createMemoryUploadRequests(now: () => number = Date.now): UploadRequestLimiter {
    const windows = new Map<string, { resetAt: number; count: number }>();
    return {
        async consumeUploadRequest(userId) {
            const t = now();
            let window = windows.get(userId);
            if (!window || window.resetAt <= t) {
                if (windows.size >= PRUNE_ABOVE) {
                    for (const [id, w] of windows) if (w.resetAt <= t) windows.delete(id);
                }
                window = { resetAt: t + UPLOAD_REQUEST_WINDOW_MS, count: 0 };
                windows.set(userId, window);
            }
            window.count++;
            return window.count <= UPLOAD_REQUESTS_PER_WINDOW;
        },
    };
}
