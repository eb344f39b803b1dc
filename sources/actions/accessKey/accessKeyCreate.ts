import { z } from 'zod';
import { inTx } from '../../storage/inTx.ts';
import { defineAction, fail, ok } from '../action.ts';
import { accessKeyData, accessKeyParams, accessKeyView, lockSessionAndMachine, NOT_OWNED } from './accessKeySchemas.ts';

export const accessKeyCreateBody = z.object({ data: accessKeyData });

/**
 * POST /v1/access-keys/:sessionId/:machineId (spec rest.md §3.7): stores the first version of a
 * key. The insert is `ON CONFLICT DO NOTHING`, so of concurrent creates exactly one stores its
 * data and the others get the 409 of an existing key (upstream answered them with a 500).
 */
export const accessKeyCreate = defineAction({
    input: accessKeyParams.extend(accessKeyCreateBody.shape),
    async run(deps, caller, { sessionId, machineId, data }) {
        const ref = { userId: caller.userId, sessionId, machineId };
        return inTx(deps.db.prisma, deps.log, async ({ tx }) => {
            if (!(await lockSessionAndMachine(tx, ref))) return fail('not-found', NOT_OWNED);
            const now = new Date();
            const [created] = await tx.accessKey.createManyAndReturn({
                data: [{ accountId: ref.userId, sessionId, machineId, data, dataVersion: 1, createdAt: now, updatedAt: now }],
                skipDuplicates: true,
            });
            if (!created) return fail('conflict', 'Access key already exists');
            return ok({ success: true, accessKey: accessKeyView(created) });
        }, { isolation: 'ReadCommitted' });
    },
});
