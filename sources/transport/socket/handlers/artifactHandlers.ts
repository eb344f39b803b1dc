import type { z } from 'zod';
import type { Action, Caller } from '../../../actions/action.ts';
import { artifactCreate } from '../../../actions/artifact/artifactCreate.ts';
import { artifactDelete } from '../../../actions/artifact/artifactDelete.ts';
import { artifactGet } from '../../../actions/artifact/artifactGet.ts';
import { artifactUpdate } from '../../../actions/artifact/artifactUpdate.ts';
import { socketArtifact } from '../../../actions/artifact/artifactView.ts';
import type { Deps } from '../../../deps.ts';
import { onAckedEvent } from '../socketAction.ts';
import type { AppSocket } from '../socketTypes.ts';

const INVALID = { result: 'error', message: 'Invalid parameters' };

/**
 * Artifact events (spec realtime.md §7.12-§7.15): each acked exactly once, with upstream's
 * shapes and messages; action failures become `{result:'error', message}`.
 */
export function registerArtifactHandlers(deps: Deps, socket: AppSocket): void {
    const on = <Input extends z.ZodType, Output>(
        event: string,
        action: Action<Input, Output, Caller>,
        present: (value: Output) => unknown,
        invalid: unknown = INVALID,
    ) =>
        onAckedEvent(socket, deps.log, event, {
            schema: action.input,
            invalid,
            failed: { result: 'error', message: 'Internal error' },
            async run(input) {
                const result = await action.run(deps, { userId: socket.data.userId }, input);
                return result.ok ? present(result.value) : { result: 'error', message: result.error };
            },
        });

    on('artifact-read', artifactGet, (artifact) => ({ result: 'success', artifact: socketArtifact(artifact) }));
    on('artifact-create', artifactCreate, (artifact) => ({ result: 'success', artifact: socketArtifact(artifact) }));
    on('artifact-update', artifactUpdate, (outcome) => outcome, invalidUpdate);
    on('artifact-delete', artifactDelete, () => ({ result: 'success' }));
}

/** Upstream's order: the id (or the payload itself) first, then the header, then the body. */
function invalidUpdate(error: z.ZodError): unknown {
    const fields = error.issues.map((issue) => issue.path[0]);
    if (fields.some((field) => field !== 'header' && field !== 'body')) return INVALID;
    return { result: 'error', message: fields.includes('header') ? 'Invalid header parameters' : 'Invalid body parameters' };
}
