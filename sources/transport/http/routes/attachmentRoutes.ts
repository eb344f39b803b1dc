import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Action, Caller } from '../../../actions/action.ts';
import { attachmentDownload } from '../../../actions/attachment/attachmentDownload.ts';
import { attachmentRequestDownload, requestDownloadBody } from '../../../actions/attachment/attachmentRequestDownload.ts';
import { attachmentRequestUpload, requestUploadBody } from '../../../actions/attachment/attachmentRequestUpload.ts';
import { ATTACHMENT_MAX_BYTES, attachmentParams } from '../../../actions/attachment/attachmentSchemas.ts';
import { attachmentUpload } from '../../../actions/attachment/attachmentUpload.ts';
import { sessionParams } from '../../../actions/session/sessionViews.ts';
import type { Deps } from '../../../deps.ts';
import { callerOf, declaredLength, linkBaseUrl, sendBlob, sendResult } from '../fileReplies.ts';
import { NO_BODY_LIMIT } from '../httpAction.ts';
import type { Authenticate } from '../plugins/authenticate.ts';
import { streamOctetStream } from '../plugins/bodyParsers.ts';

/** The request bodies are a file name and a size, or a ref. */
const TICKET_BODY_LIMIT = 64 * 1024;

type AttachmentParams = z.output<typeof attachmentParams>;

/**
 * Session attachments (spec rest.md §3.3): opaque encrypted blobs, only ever served to the
 * session's owner. The two request routes take the link base from the request, the PUT streams
 * its body to disk, the GET streams the file (or redirects to S3).
 */
export function attachmentRoutes(app: FastifyInstance, deps: Deps, authenticate: Authenticate): void {
    const ticketRoute = <Body extends z.ZodObject>(url: string, body: Body, action: Action<z.ZodType, unknown, Caller>) =>
        app.post(url, { schema: { params: sessionParams, body }, bodyLimit: TICKET_BODY_LIMIT, preHandler: authenticate }, async (request, reply) => {
            const input = { ...(request.body as object), ...(request.params as object), baseUrl: linkBaseUrl(request, deps.config) };
            return sendResult(reply, await action.run(deps, callerOf(request), input));
        });
    ticketRoute('/v1/sessions/:sessionId/attachments/request-upload', requestUploadBody, attachmentRequestUpload);
    ticketRoute('/v1/sessions/:sessionId/attachments/request-download', requestDownloadBody, attachmentRequestDownload);

    app.get(
        '/v1/sessions/:sessionId/attachments/:attachmentFile',
        { schema: { params: attachmentParams }, bodyLimit: NO_BODY_LIMIT, preHandler: authenticate },
        async (request: FastifyRequest<{ Params: AttachmentParams }>, reply) => {
            const result = await attachmentDownload.run(deps, callerOf(request), request.params);
            if (!result.ok) return sendResult(reply, result);
            if ('redirect' in result.value) return reply.redirect(result.value.redirect, 302);
            return sendBlob(reply, result.value.blob, 'application/octet-stream');
        },
    );

    app.register(async (scope) => {
        streamOctetStream(scope);
        scope.put(
            '/v1/sessions/:sessionId/attachments/:attachmentFile',
            // A JSON or text body is parsed before the route runs: it must not exceed an attachment.
            { schema: { params: attachmentParams }, bodyLimit: ATTACHMENT_MAX_BYTES, preHandler: authenticate },
            async (request: FastifyRequest<{ Params: AttachmentParams }>, reply) => {
                const input = { ...request.params, declaredSize: declaredLength(request), body: request.body };
                return sendResult(reply, await attachmentUpload.run(deps, callerOf(request), input));
            },
        );
    });
}
