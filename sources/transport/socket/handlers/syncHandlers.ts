import { updatesSince } from '../../../actions/sync/updatesSince.ts';
import type { Deps } from '../../../deps.ts';
import { onAckedEvent } from '../socketAction.ts';
import type { AppSocket } from '../socketTypes.ts';

/**
 * `request-updates-since`, the delta sync of the Workers-generation app (spec workers.md §1.11).
 * Registered for every socket: Node clients never send it, native ones reach it the same way.
 */
export function registerSyncHandlers(deps: Deps, socket: AppSocket): void {
    onAckedEvent(socket, deps.log, 'request-updates-since', {
        schema: updatesSince.input,
        invalid: { success: false, error: 'Invalid parameters' },
        failed: { success: false, error: 'Internal error' },
        async run(input) {
            const result = await updatesSince.run(deps, { userId: socket.data.userId }, input);
            return result.ok ? result.value : { success: false, error: result.error };
        },
    });
}
