import type { z } from 'zod';
import { usageLimitsInvalidMessage } from '../../../actions/usage/usageLimitsSchemas.ts';
import { usageLimitsUpdate } from '../../../actions/usage/usageLimitsUpdate.ts';
import { usageReport } from '../../../actions/usage/usageReport.ts';
import type { Deps } from '../../../deps.ts';
import { onAckedEvent } from '../socketAction.ts';
import { serialQueue } from '../../../utils/serialQueue.ts';
import type { AppSocket } from '../socketTypes.ts';

/** Upstream's messages, checked in its order (spec realtime.md §7.7). */
const INVALID: Array<[field: string, error: string]> = [
    ['key', 'Invalid key'],
    ['tokens', 'Invalid tokens object - must include total'],
    ['cost', 'Invalid cost object - must include total'],
    ['sessionId', 'Invalid sessionId'],
];

/**
 * More reports than this waiting on one socket are refused: happy-cli sends one per assistant
 * message and never waits, so only a flooding client gets there (upstream queued without bound).
 */
const MAX_PENDING = 256;

/** The Workers server's ack for a limits report it could not keep (spec workers.md §1.11). */
const LIMITS_NOT_STORED = { success: false, error: 'Failed to store usage limits' };

/**
 * Socket `usage-report` and `update-usage-limits`, each with an optional ack; one socket's
 * reports are saved in arrival order (for limits, the last one sent is the one kept).
 */
export function registerUsageHandlers(deps: Deps, socket: AppSocket): void {
    const queue = serialQueue();
    const limitsQueue = serialQueue();
    onAckedEvent(socket, deps.log, 'update-usage-limits', {
        schema: usageLimitsUpdate.input,
        invalid: (error: z.ZodError) => ({ success: false, error: usageLimitsInvalidMessage(error) }),
        failed: LIMITS_NOT_STORED,
        run: (input) => {
            if (limitsQueue.pending() >= MAX_PENDING) return Promise.resolve({ success: false, error: 'Too many pending reports' });
            return limitsQueue.run(async () => {
                const result = await usageLimitsUpdate.run(deps, { userId: socket.data.userId }, input);
                return result.ok ? result.value : LIMITS_NOT_STORED;
            });
        },
    });
    onAckedEvent(socket, deps.log, 'usage-report', {
        schema: usageReport.input,
        invalid: invalidAck,
        failed: { success: false, error: 'Failed to save usage report' },
        run: (input) => {
            if (queue.pending() >= MAX_PENDING) return Promise.resolve({ success: false, error: 'Too many pending reports' });
            return queue.run(async () => {
                const result = await usageReport.run(deps, { userId: socket.data.userId }, input);
                return result.ok ? result.value : { success: false, error: result.error };
            });
        },
    });
}

function invalidAck(error: z.ZodError) {
    const fields = new Set(error.issues.map((issue) => issue.path[0]));
    const [, message] = INVALID.find(([field]) => fields.has(field)) ?? INVALID[0]!;
    return { success: false, error: message };
}
