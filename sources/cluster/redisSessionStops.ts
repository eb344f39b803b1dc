import type { Logger } from '../monitoring/log.ts';
import type { RedisLink } from './redisLink.ts';
import { createMemorySessionStops, STOP_SUPPRESSION_MS, type SessionStops } from './sessionStops.ts';

/**
 * Stops shared by every node: `<prefix>:stop:<sessionId>` with a PX expiry, so an archive on node
 * A mutes the heartbeats node B receives, and `resume` (a restart by tag, on any node) lifts it
 * everywhere. Redis answers while it is reachable; a stop this node could not write there counts
 * too. While Redis is away each node answers from the stops it made itself: its own archives
 * stay muted, stops and resumes made on other nodes meanwhile are not seen (the 60 s window
 * bounds the difference).
 */
export function createRedisSessionStops(link: RedisLink, keyPrefix: string, log: Logger): SessionStops {
    const mine = createMemorySessionStops();
    const unwritten = createMemorySessionStops();
    const key = (sessionId: string) => `${keyPrefix}stop:${sessionId}`;
    const warn = (error: unknown) => log.warn({ err: error }, 'redis stop registry unavailable: this node only');
    return {
        async stop(sessionId) {
            await mine.stop(sessionId);
            await link.commands.set(key(sessionId), '1', 'PX', STOP_SUPPRESSION_MS).catch(async (error: unknown) => {
                warn(error);
                await unwritten.stop(sessionId);
            });
        },
        async resume(sessionId) {
            await mine.resume(sessionId);
            await unwritten.resume(sessionId);
            await link.commands.del(key(sessionId)).catch(warn);
        },
        async isStopped(sessionId) {
            if (!link.up) return mine.isStopped(sessionId);
            try {
                return (await link.commands.exists(key(sessionId))) === 1 || (await unwritten.isStopped(sessionId));
            } catch {
                return mine.isStopped(sessionId);
            }
        },
    };
}
