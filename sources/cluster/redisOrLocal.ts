import type { Logger } from '../monitoring/log.ts';
import type { RedisLink } from './redisLink.ts';

/**
 * For a Redis-backed register that carries on per node while Redis is unreachable (the link is
 * down, or a command fails): each call runs `shared` over Redis, or `local` instead. The switch
 * is logged once each way, however many calls come between. `onThisNode` and `forTheCluster`
 * finish the sentences ("HTTP rate limits counted ...").
 */
export function redisOrLocal(link: RedisLink, log: Logger, onThisNode: string, forTheCluster: string) {
    let sharing = true;
    const fallBack = <T>(local: () => Promise<T>, error?: unknown): Promise<T> => {
        if (sharing) {
            sharing = false;
            log.warn({ err: error }, `redis unreachable: ${onThisNode} until it returns`);
        }
        return local();
    };
    return async <T>(shared: () => Promise<T>, local: () => Promise<T>): Promise<T> => {
        if (!link.up) return fallBack(local);
        let result: T;
        try {
            result = await shared();
        } catch (error) {
            return fallBack(local, error);
        }
        if (!sharing) {
            sharing = true;
            log.info(`redis reachable again: ${forTheCluster}`);
        }
        return result;
    };
}
