import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Deps } from '../../../deps.ts';
import { openPublicFile } from '../../../files/publicFiles.ts';
import { sendBlob } from '../fileReplies.ts';
import { NO_BODY_LIMIT } from '../httpAction.ts';

/**
 * `GET /files/*` (spec rest.md §1.9): public files (avatars) of the local store, without auth,
 * with upstream's text 404. Registered only in local mode; in S3 mode avatars are served from
 * S3_PUBLIC_URL and this path is an ordinary 404.
 */
export function fileRoutes(app: FastifyInstance, deps: Deps): void {
    const store = deps.files;
    if (store.kind !== 'local') return;
    app.get('/files/*', { bodyLimit: NO_BODY_LIMIT }, async (request: FastifyRequest<{ Params: { '*': string } }>, reply) => {
        const file = await openPublicFile(store, request.params['*']);
        if (!file) return reply.code(404).type('text/plain; charset=utf-8').send('Not found');
        return sendBlob(reply, file.blob, file.contentType);
    });
}
