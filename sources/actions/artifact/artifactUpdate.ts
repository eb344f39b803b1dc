import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import { queueUpdate } from '../../events/queueUpdate.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import { inTx, type TxScope } from '../../storage/inTx.ts';
import { defineAction, fail, ok, type Result } from '../action.ts';
import { expectedVersion } from '../schemas.ts';
import { ARTIFACT_PARTS, artifactBody, artifactChanges, artifactHeader, artifactId, type ArtifactPart } from './artifactSchemas.ts';
import { toBase64 } from './artifactView.ts';

type Write = { part: ArtifactPart; data: string; expectedVersion: number };

type Parts<T> = { [P in ArtifactPart]?: T };

/** Socket `artifact-update`'s ack shapes (spec realtime.md §7.14); REST presents them its way. */
export type ArtifactUpdateOutcome =
    | ({ result: 'success' } & Parts<{ version: number; data: string }>)
    | ({ result: 'version-mismatch' } & Parts<{ currentVersion: number; currentData: string }>);

const VERSION = { header: 'headerVersion', body: 'bodyVersion' } as const;

/**
 * Socket `artifact-update` and POST /v1/artifacts/:id: a compare-and-set of the header, the body
 * or both. One conditional UPDATE checks every requested version and bumps `seq` in the same
 * statement, so neither a lost update (upstream's REST route wrote unconditionally) nor a lost
 * `seq` increment (upstream wrote back a pre-read `seq + 1`) can happen. When it matches
 * nothing, a re-read in the same read-committed transaction answers with the current version
 * and value of each requested part that moved on.
 */
export const artifactUpdate = defineAction({
    input: z.object({ artifactId, ...artifactChanges }),
    async run(deps, caller, input) {
        const writes = ARTIFACT_PARTS.flatMap((part): Write[] => {
            const write = input[part];
            return write ? [{ part, ...write }] : [];
        });
        if (writes.length === 0) return fail('bad-request', 'No updates provided');
        return inTx(deps.db.prisma, deps.log, (scope) => compareAndSet(deps, scope, caller.userId, input.artifactId, writes), {
            isolation: 'ReadCommitted',
        });
    },
});

const versioned = (data: string | undefined, expectedVersion: number | undefined) =>
    data === undefined || expectedVersion === undefined ? undefined : { data, expectedVersion };

/**
 * POST /v1/artifacts/:id's body, normalised into the action's input. A value without its expected
 * version (or the reverse) and a body that requests nothing are 400s: upstream silently ignored
 * such a part, yet bumped `seq` and emitted an `update-artifact` without header or body.
 */
export const artifactUpdateBody = z
    .object({
        header: artifactHeader.optional(),
        expectedHeaderVersion: expectedVersion.optional(),
        body: artifactBody.optional(),
        expectedBodyVersion: expectedVersion.optional(),
    })
    .superRefine((request, ctx) => {
        const pairs = [['header', 'expectedHeaderVersion'], ['body', 'expectedBodyVersion']] as const;
        for (const [value, version] of pairs) {
            if ((request[value] === undefined) === (request[version] === undefined)) continue;
            const [missing, given] = request[value] === undefined ? [value, version] : [version, value];
            ctx.addIssue({ code: 'custom', path: [missing], message: `Required together with ${given}` });
        }
        if (Object.values(request).every((field) => field === undefined)) {
            ctx.addIssue({ code: 'custom', path: [], message: 'No updates provided' });
        }
    })
    .transform((request) => ({
        header: versioned(request.header, request.expectedHeaderVersion),
        body: versioned(request.body, request.expectedBodyVersion),
    }));

async function compareAndSet(
    deps: Deps,
    scope: TxScope,
    userId: string,
    id: string,
    writes: Write[],
): Promise<Result<ArtifactUpdateOutcome>> {
    const where: Prisma.ArtifactWhereInput = { id, accountId: userId };
    const data: Prisma.ArtifactUpdateManyMutationInput = { seq: { increment: 1 } };
    for (const { part, data: value, expectedVersion } of writes) {
        where[VERSION[part]] = expectedVersion;
        data[part] = Buffer.from(value, 'base64');
        data[VERSION[part]] = expectedVersion + 1;
    }
    for (;;) {
        const { count } = await scope.tx.artifact.updateMany({ where, data });
        if (count > 0) {
            await queueUpdate(scope, deps.events, {
                userId,
                filter: { type: 'user-scoped-only' },
                body: {
                    t: 'update-artifact',
                    artifactId: id,
                    ...collect(writes, (w) => ({ value: w.data, version: w.expectedVersion + 1 })),
                },
            });
            return ok({ result: 'success', ...collect(writes, (w) => ({ version: w.expectedVersion + 1, data: w.data })) });
        }
        const current = await scope.tx.artifact.findFirst({
            where: { id, accountId: userId },
            select: { headerVersion: true, bodyVersion: true, ...collect(writes, () => true) },
        });
        if (!current) return fail('not-found', 'Artifact not found');
        const moved = writes.filter((w) => current[VERSION[w.part]] !== w.expectedVersion);
        if (moved.length > 0) {
            return ok({
                result: 'version-mismatch',
                ...collect(moved, (w) => ({ currentVersion: current[VERSION[w.part]], currentData: toBase64(current[w.part]!) })),
            });
        }
        // Deleted and re-created with matching versions between the two statements: try again.
    }
}

/** One entry per written part, header first: the key order of every reply and update. */
function collect<T>(writes: Write[], value: (write: Write) => T): Parts<T> {
    return Object.fromEntries(writes.map((write) => [write.part, value(write)])) as Parts<T>;
}
