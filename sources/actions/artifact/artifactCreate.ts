import { z } from 'zod';
import { queueUpdate } from '../../events/queueUpdate.ts';
import { inTx } from '../../storage/inTx.ts';
import { defineAction, fail, ok } from '../action.ts';
import { artifactBody, artifactHeader, artifactKey, newArtifactId } from './artifactSchemas.ts';
import { artifactView, newArtifactBody } from './artifactView.ts';

/**
 * POST /v1/artifacts and socket `artifact-create` (spec rest.md §3.6, realtime.md §7.13):
 * create, idempotent on the client-chosen id. The caller's existing artifact comes back
 * unchanged (request values ignored, no event); another account's id is a conflict.
 *
 * Fixed against upstream: the insert is `ON CONFLICT DO NOTHING`, so concurrent creates of one
 * id answer like sequential ones (upstream: a primary-key 500), the socket also requires a UUID,
 * and the `new-artifact` seq is taken in the creating transaction.
 */
export const artifactCreate = defineAction({
    input: z.object({ id: newArtifactId, header: artifactHeader, body: artifactBody, dataEncryptionKey: artifactKey }),
    async run(deps, caller, { id, header, body, dataEncryptionKey }) {
        const { userId } = caller;
        const now = new Date();
        const row = {
            id,
            accountId: userId,
            header: Buffer.from(header, 'base64'),
            headerVersion: 1,
            body: Buffer.from(body, 'base64'),
            bodyVersion: 1,
            dataEncryptionKey: Buffer.from(dataEncryptionKey, 'base64'),
            seq: 0,
            createdAt: now,
            updatedAt: now,
        };
        // Read committed: the insert waits for a concurrent insert of the same id and then sees it.
        return inTx(deps.db.prisma, deps.log, async (scope) => {
            for (;;) {
                const [created] = await scope.tx.artifact.createManyAndReturn({ data: [row], skipDuplicates: true });
                if (created) {
                    const view = artifactView(created);
                    await queueUpdate(scope, deps.events, { userId, filter: { type: 'user-scoped-only' }, body: newArtifactBody(view) });
                    return ok(view);
                }
                const existing = await scope.tx.artifact.findUnique({ where: { id } });
                if (existing?.accountId === userId) return ok(artifactView(existing));
                if (existing) return fail('conflict', 'Artifact with this ID already exists for another account');
                // Deleted between the insert and the read: try again.
            }
        }, { isolation: 'ReadCommitted' });
    },
});
