import { z } from 'zod';
import { inTx } from '../../storage/inTx.ts';
import { defineAction, fail, ok } from '../action.ts';
import { expectedVersion } from '../schemas.ts';
import { accessKeyColumns, accessKeyData, accessKeyParams, accessKeyWhere } from './accessKeySchemas.ts';

export const accessKeyUpdateBody = z.object({ data: accessKeyData, expectedVersion });

type Outcome =
    | { success: true; version: number }
    | { success: false; error: 'version-mismatch'; currentVersion: number; currentData: string };

/**
 * PUT /v1/access-keys/:sessionId/:machineId (spec rest.md §3.7). One conditional UPDATE is the
 * compare-and-set; when it matches nothing, a re-read in the same read-committed transaction
 * tells a missing key from a moved version and returns the value that won, a concurrent
 * writer's commit included. A mismatch is a 200 with `success: false`, as upstream answered it.
 */
export const accessKeyUpdate = defineAction({
    input: accessKeyParams.extend(accessKeyUpdateBody.shape),
    async run(deps, caller, { sessionId, machineId, data, expectedVersion }) {
        const ref = { userId: caller.userId, sessionId, machineId };
        return inTx(deps.db.prisma, deps.log, async ({ tx }) => {
            const { count } = await tx.accessKey.updateMany({
                where: { ...accessKeyColumns(ref), dataVersion: expectedVersion },
                data: { data, dataVersion: expectedVersion + 1, updatedAt: new Date() },
            });
            if (count === 1) return ok<Outcome>({ success: true, version: expectedVersion + 1 });
            const current = await tx.accessKey.findUnique({ where: accessKeyWhere(ref) });
            if (!current) return fail('not-found', 'Access key not found');
            return ok<Outcome>({ success: false, error: 'version-mismatch', currentVersion: current.dataVersion, currentData: current.data });
        }, { isolation: 'ReadCommitted' });
    },
});
