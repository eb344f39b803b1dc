import { z } from 'zod';
import { defineAction, fail, ok } from '../action.ts';
import { expectedVersion, machineId, opaqueValue } from './machineSchemas.ts';
import { updateMachineField } from './machineUpdateField.ts';

/**
 * Socket `machine-update-state` (spec realtime.md §7.10): the daemon reports `running` on every
 * (re)connect and retries on version-mismatch. `null` is refused, as upstream did. A successful
 * write also marks the machine active.
 */
export const machineUpdateState = defineAction({
    input: z.object({ machineId, daemonState: opaqueValue, expectedVersion }),
    async run(deps, caller, { machineId, daemonState, expectedVersion }) {
        const outcome = await updateMachineField(deps, caller.userId, machineId, 'daemonState', daemonState, expectedVersion);
        if (!outcome) return fail('not-found', 'Machine not found');
        return ok({ result: outcome.result, version: outcome.version, daemonState: outcome.value });
    },
});
