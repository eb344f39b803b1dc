/**
 * Stop suppression (spec realtime.md §9.4): after archive, delete or session-end, heartbeats of
 * that session are ignored for a while so a late `session-alive` cannot revive it. This seam is
 * cluster-wide by contract: the in-memory driver serves one node; the Redis driver (multi-node)
 * makes a stop on node A visible to node B.
 */
export interface SessionStops {
    stop(sessionId: string): Promise<void>;
    resume(sessionId: string): Promise<void>;
    isStopped(sessionId: string): Promise<boolean>;
}

export const STOP_SUPPRESSION_MS = 60_000;

export function createMemorySessionStops(now: () => number = Date.now): SessionStops {
    const stoppedUntil = new Map<string, number>();
    const sweep = () => {
        const t = now();
        for (const [id, until] of stoppedUntil) if (until <= t) stoppedUntil.delete(id);
    };
    return {
        async stop(sessionId) {
            // Expired entries go on every stop, so the map never holds more than a minute of stops.
            sweep();
            stoppedUntil.set(sessionId, now() + STOP_SUPPRESSION_MS);
        },
        async resume(sessionId) {
            stoppedUntil.delete(sessionId);
        },
        async isStopped(sessionId) {
            const until = stoppedUntil.get(sessionId);
            return until !== undefined && until > now();
        },
    };
}
