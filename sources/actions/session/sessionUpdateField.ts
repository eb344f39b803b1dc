import type { Deps } from '../../deps.ts';
import { fail, ok, type Result } from '../action.ts';
import { compareAndSetField, type CompareAndSetOutcome } from '../compareAndSetField.ts';

type FieldAck<F extends string> = { result: CompareAndSetOutcome['result']; version: number } & Record<F, string | null>;

/**
 * `update-metadata` / `update-state`: the compare-and-set of a session field, announced with
 * `update-session` to the session's sockets and the apps (sender included); the ack carries the
 * stored value either way (spec realtime.md §7.17).
 */
export async function updateSessionField<F extends 'metadata' | 'agentState'>(
    deps: Deps,
    userId: string,
    sessionId: string,
    field: F,
    value: string | null,
    expectedVersion: number,
): Promise<Result<FieldAck<F>>> {
    const outcome = await compareAndSetField(
        deps,
        { field: `session.${field}`, id: sessionId, accountId: userId, value, expectedVersion },
        (version) => ({
            filter: { type: 'all-interested-in-session', sessionId },
            body: { t: 'update-session', id: sessionId, [field]: { value, version } },
        }),
    );
    if (!outcome) return fail('not-found', 'Session not found');
    return ok({ result: outcome.result, version: outcome.version, [field]: outcome.value } as FieldAck<F>);
}
