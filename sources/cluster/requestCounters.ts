/**
 * Fixed-window request counts behind the abuse limits (the HTTP rate limits, the attachment
 * upload-request limit): a window starts with a key's first hit and lasts `windowMs`. In memory
 * alone; in Redis with several nodes, so every node counts against the same budget.
 */
export interface RequestCounters {
    /** Counts one hit on `key`: the hits of its current window so far, and the ms left of it. */
    hit(key: string, windowMs: number): Promise<{ count: number; resetInMs: number }>;
}

/** Past this many keys, expired windows are pruned (upstream's bound for its upload counter). */
const PRUNE_ABOVE = 10_000;

export function createMemoryRequestCounters(now: () => number = Date.now): RequestCounters {
    const windows = new Map<string, { resetAt: number; count: number }>();
    return {
        async hit(key, windowMs) {
            const t = now();
            let window = windows.get(key);
            if (!window || window.resetAt <= t) {
                if (windows.size >= PRUNE_ABOVE) {
                    for (const [known, w] of windows) if (w.resetAt <= t) windows.delete(known);
                }
                window = { resetAt: t + windowMs, count: 0 };
                windows.set(key, window);
            }
            window.count++;
            return { count: window.count, resetInMs: window.resetAt - t };
        },
    };
}
