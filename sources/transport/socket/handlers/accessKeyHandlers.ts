import { accessKeyGet } from '../../../actions/accessKey/accessKeyGet.ts';
import type { Deps } from '../../../deps.ts';
import { onAckedEvent } from '../socketAction.ts';
import type { AppSocket } from '../socketTypes.ts';

/**
 * `access-key-get` (spec realtime.md §7.16): the REST read with upstream's ack shapes and
 * messages. Read-only, nothing is emitted.
 */
export function registerAccessKeyHandlers(deps: Deps, socket: AppSocket): void {
    const caller = { userId: socket.data.userId };
    onAckedEvent(socket, deps.log, 'access-key-get', {
        schema: accessKeyGet.input,
        invalid: { ok: false, error: 'Invalid parameters: sessionId and machineId are required' },
        failed: { ok: false, error: 'Internal error' },
        async run(input) {
            const result = await accessKeyGet.run(deps, caller, input);
            return result.ok ? { ok: true, accessKey: result.value.accessKey } : { ok: false, error: result.error };
        },
    });
}
