import { z } from 'zod';
import { defineAction, fail, ok } from '../action.ts';
import { expectedVersion, machineId, opaqueValue } from './machineSchemas.ts';
import { updateMachineField } from './machineUpdateField.ts';

/**
 * Socket `machine-update-metadata` (spec realtime.md §7.9): the CLI when its capabilities change,
 * the app when the user renames a machine. Leaves activity alone.
 */
export const machineUpdateMetadata = defineAction({
    input: z.object({ machineId, metadata: opaqueValue, expectedVersion }),
    async run(deps, caller, { machineId, metadata, expectedVersion }) {
        const outcome = await updateMachineField(deps, caller.userId, machineId, 'metadata', metadata, expectedVersion);
        if (!outcome) return fail('not-found', 'Machine not found');
        return ok({ result: outcome.result, version: outcome.version, metadata: outcome.value });
    },
});
