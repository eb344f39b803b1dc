import type { Logger } from '../monitoring/log.ts';

/**
 * For a Redis-backed register that carries on per node while Redis is unreachable: one warning
 * when it falls back, one info line when it is shared again, however many calls come between.
 * `onThisNode` and `forTheCluster` finish the sentences ("HTTP rate limits counted ...").
 */
export function fallbackNotice(log: Logger, onThisNode: string, forTheCluster: string) {
    let shared = true;
    return {
        local(error?: unknown): void {
            if (!shared) return;
            shared = false;
            log.warn({ err: error }, `redis unreachable: ${onThisNode} until it returns`);
        },
        shared(): void {
            if (shared) return;
            shared = true;
            log.info(`redis reachable again: ${forTheCluster}`);
        },
    };
}
