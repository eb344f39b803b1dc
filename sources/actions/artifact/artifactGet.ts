import { z } from 'zod';
import { defineAction, fail, ok } from '../action.ts';
import { artifactId } from './artifactSchemas.ts';
import { artifactView } from './artifactView.ts';

/** GET /v1/artifacts/:id and socket `artifact-read`; another account's artifact is not found. */
export const artifactGet = defineAction({
    input: z.object({ artifactId }),
    async run(deps, caller, { artifactId: id }) {
        const row = await deps.db.prisma.artifact.findFirst({ where: { id, accountId: caller.userId } });
        if (!row) return fail('not-found', 'Artifact not found');
        return ok(artifactView(row));
    },
});
