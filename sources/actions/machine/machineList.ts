import { z } from 'zod';
import { defineAction, ok } from '../action.ts';
import { machineView } from './machineView.ts';

/**
 * GET /v1/machines: every machine of the caller, most recently active first, as a bare array
 * (spec rest.md §3.5). Unpaged like upstream: the app expects the whole list, and an account
 * has a handful of machines.
 */
export const machineList = defineAction({
    input: z.object({}),
    async run(deps, caller) {
        const rows = await deps.db.prisma.machine.findMany({
            where: { accountId: caller.userId },
            orderBy: [{ lastActiveAt: 'desc' }, { id: 'asc' }],
        });
        return ok(rows.map(machineView));
    },
});
