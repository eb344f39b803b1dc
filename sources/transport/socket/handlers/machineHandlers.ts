import type { z } from 'zod';
import type { Action, Caller } from '../../../actions/action.ts';
import { machineAlive } from '../../../actions/machine/machineAlive.ts';
import { machineUpdateMetadata } from '../../../actions/machine/machineUpdateMetadata.ts';
import { machineUpdateState } from '../../../actions/machine/machineUpdateState.ts';
import type { Deps } from '../../../deps.ts';
import { onAckedEvent, onEvent } from '../socketAction.ts';
import type { AppSocket } from '../socketTypes.ts';

/**
 * The versioned machine writes (spec realtime.md §7.9-§7.10, ack shapes §7.17). Every call is
 * acked once: success / version-mismatch come from the action, anything else is
 * `{result:'error', message}` with upstream's messages. Plus the daemon heartbeat.
 */
export function registerMachineHandlers(deps: Deps, socket: AppSocket): void {
    onEvent(socket, deps.log, 'machine-alive', machineAlive.input, (input) =>
        machineAlive.run(deps, { userId: socket.data.userId }, input),
    );
    onVersionedWrite(deps, socket, 'machine-update-metadata', machineUpdateMetadata);
    onVersionedWrite(deps, socket, 'machine-update-state', machineUpdateState);
}

function onVersionedWrite<Input extends z.ZodType>(
    deps: Deps,
    socket: AppSocket,
    event: string,
    action: Action<Input, unknown, Caller>,
): void {
    const caller: Caller = { userId: socket.data.userId };
    onAckedEvent(socket, deps.log, event, {
        schema: action.input,
        invalid: { result: 'error', message: 'Invalid parameters' },
        failed: { result: 'error', message: 'Internal error' },
        async run(input) {
            const result = await action.run(deps, caller, input);
            return result.ok ? result.value : { result: 'error', message: result.error };
        },
    });
}
