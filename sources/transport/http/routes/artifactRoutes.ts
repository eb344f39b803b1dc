import type { FastifyInstance } from 'fastify';
import { artifactCreate } from '../../../actions/artifact/artifactCreate.ts';
import { artifactDelete } from '../../../actions/artifact/artifactDelete.ts';
import { artifactGet } from '../../../actions/artifact/artifactGet.ts';
import { artifactList } from '../../../actions/artifact/artifactList.ts';
import { ARTIFACT_BODY_LIMIT, artifactParams } from '../../../actions/artifact/artifactSchemas.ts';
import { artifactUpdate, artifactUpdateBody, type ArtifactUpdateOutcome } from '../../../actions/artifact/artifactUpdate.ts';
import type { Deps } from '../../../deps.ts';
import { httpAction, NO_BODY_LIMIT } from '../httpAction.ts';
import type { Authenticate } from '../plugins/authenticate.ts';

/**
 * Artifacts (spec rest.md §3.6). Create and update bodies are limited to what their largest legal
 * values need (header + body + key, see artifactSchemas.ts) instead of the global 100 MiB.
 */
export function artifactRoutes(app: FastifyInstance, deps: Deps, authenticate: Authenticate): void {
    httpAction(app, deps, { method: 'GET', url: '/v1/artifacts', from: 'querystring', bodyLimit: NO_BODY_LIMIT, action: artifactList, authenticate });
    httpAction(app, deps, { method: 'GET', url: '/v1/artifacts/:id', from: { params: artifactParams }, bodyLimit: NO_BODY_LIMIT, action: artifactGet, authenticate });
    httpAction(app, deps, { method: 'POST', url: '/v1/artifacts', from: 'body', bodyLimit: ARTIFACT_BODY_LIMIT, action: artifactCreate, authenticate });
    httpAction(app, deps, {
        method: 'POST',
        url: '/v1/artifacts/:id',
        from: { params: artifactParams, body: artifactUpdateBody },
        bodyLimit: ARTIFACT_BODY_LIMIT,
        action: artifactUpdate,
        authenticate,
        present: presentUpdate,
    });
    httpAction(app, deps, { method: 'DELETE', url: '/v1/artifacts/:id', from: { params: artifactParams }, bodyLimit: NO_BODY_LIMIT, action: artifactDelete, authenticate });
}

/** The REST reply of an update: flat keys per part, only for the parts the client wrote. */
function presentUpdate(outcome: ArtifactUpdateOutcome) {
    if (outcome.result === 'success') {
        const { header, body } = outcome;
        return {
            success: true,
            ...(header && { headerVersion: header.version }),
            ...(body && { bodyVersion: body.version }),
        };
    }
    const { header, body } = outcome;
    return {
        success: false,
        error: 'version-mismatch',
        ...(header && { currentHeaderVersion: header.currentVersion, currentHeader: header.currentData }),
        ...(body && { currentBodyVersion: body.currentVersion, currentBody: body.currentData }),
    };
}
