import { z } from 'zod';
import { defineAction, fail, ok } from '../action.ts';

/** The bound the Workers port puts on the same route (spec workers.md), since anyone may call it. */
export const CLIENT_LOG_BODY_LIMIT = 200 * 1024;

const clientLogInput = z.object({
    timestamp: z.string().max(100),
    level: z.string().max(32),
    message: z.string().max(51_200),
    messageRawObject: z.unknown().optional(),
    source: z.enum(['mobile', 'cli']),
    platform: z.string().max(100).optional(),
});

function severity(level: string): 'error' | 'warn' | 'debug' | 'info' {
    switch (level.toLowerCase()) {
        case 'error':
            return 'error';
        case 'warn':
        case 'warning':
            return 'warn';
        case 'debug':
            return 'debug';
        default:
            return 'info';
    }
}

/**
 * POST /logs-combined-from-cli-and-mobile-for-simple-ai-debugging (spec rest.md §3.15): the CLI
 * and the app send their log lines so that one file holds both sides of a problem. The route
 * exists only with DANGEROUSLY_LOG_TO_SERVER_FOR_AI_AUTO_DEBUGGING set; unauthenticated, as upstream.
 */
export const clientLogWrite = defineAction<typeof clientLogInput, { success: true }, null>({
    input: clientLogInput,
    async run(deps, _caller, { timestamp, level, message, messageRawObject, source, platform }) {
        // Unreachable through the route, which is only registered with a sink.
        if (!deps.clientLog) return fail('not-found', 'Not found');
        deps.clientLog.log[severity(level)]({ source, platform, clientTime: timestamp, raw: messageRawObject }, message);
        return ok({ success: true });
    },
});
