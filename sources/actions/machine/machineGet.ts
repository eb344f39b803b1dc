import { z } from 'zod';
import { defineAction, fail, ok } from '../action.ts';
import { machineId } from './machineSchemas.ts';
import { machineView } from './machineView.ts';

/** GET /v1/machines/:id (spec rest.md §3.5); another account's machine is simply not found. */
export const machineGet = defineAction({
    input: z.object({ id: machineId }),
    async run(deps, caller, { id }) {
        const row = await deps.db.prisma.machine.findUnique({
            where: { accountId_id: { accountId: caller.userId, id } },
        });
        if (!row) return fail('not-found', 'Machine not found');
        return ok({ machine: machineView(row) });
    },
});
