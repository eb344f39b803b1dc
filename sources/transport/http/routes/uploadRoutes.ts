import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Action, Caller, Failure } from '../../../actions/action.ts';
import { AVATAR_MAX_BYTES, avatarTooLarge, uploadAvatar } from '../../../actions/upload/uploadAvatar.ts';
import { categoryLimit, sizeExceeded, UPLOAD_MAX_BYTES, uploadCreate } from '../../../actions/upload/uploadCreate.ts';
import { uploadDelete } from '../../../actions/upload/uploadDelete.ts';
import { uploadDownload } from '../../../actions/upload/uploadDownload.ts';
import { uploadGet } from '../../../actions/upload/uploadGet.ts';
import { uploadList } from '../../../actions/upload/uploadList.ts';
import { uploadIdParams } from '../../../actions/upload/uploadSchemas.ts';
import type { Deps } from '../../../deps.ts';
import { callerOf, declaredLength, parseBody, sendBlob, sendResult } from '../fileReplies.ts';
import { httpAction, NO_BODY_LIMIT } from '../httpAction.ts';
import type { Authenticate } from '../plugins/authenticate.ts';
import { sendUnavailable, unavailableDependency } from '../plugins/errorHandler.ts';
import { discardForm, readUploadForm, type UploadForm } from '../uploadForm.ts';

/** Boundaries, part headers and the small fields around the file. */
const FORM_OVERHEAD = 64 * 1024;

interface FormRoute {
    url: string;
    action: Action<z.ZodType, unknown, Caller>;
    hardMax: number;
    maxFileBytes(fields: Record<string, string>): number;
    tooLarge(): Failure;
    /** The Workers body of an unexpected failure (500). */
    failed: object;
}

/**
 * The uploads routes of the Workers generation (spec workers.md §2.4), on the same blob store.
 * The multipart routes authenticate before reading a byte of the body (their limits reach
 * 100 MB), then stream the file to disk; the others are plain JSON routes.
 */
export function uploadRoutes(app: FastifyInstance, deps: Deps, authenticate: Authenticate): void {
    httpAction(app, deps, { method: 'GET', url: '/v1/uploads', from: 'querystring', bodyLimit: NO_BODY_LIMIT, action: uploadList, authenticate });
    httpAction(app, deps, { method: 'GET', url: '/v1/uploads/:id', from: 'params', bodyLimit: NO_BODY_LIMIT, action: uploadGet, authenticate });
    httpAction(app, deps, { method: 'DELETE', url: '/v1/uploads/:id', from: 'params', bodyLimit: NO_BODY_LIMIT, action: uploadDelete, authenticate });
    app.get(
        '/v1/uploads/:id/download',
        { schema: { params: uploadIdParams }, bodyLimit: NO_BODY_LIMIT, preHandler: authenticate },
        async (request: FastifyRequest<{ Params: z.output<typeof uploadIdParams> }>, reply) => {
            const result = await uploadDownload.run(deps, callerOf(request), request.params);
            if (!result.ok) return sendResult(reply, result);
            // A file id never names other bytes: the caller may keep it.
            reply.header('cache-control', 'private, max-age=31536000, immutable');
            return sendBlob(reply, result.value.blob, result.value.contentType);
        },
    );

    app.register(async (scope) => {
        await scope.register(multipart, { throwFileSizeLimit: false });
        const formRoute = (route: FormRoute) =>
            scope.post(route.url, { onRequest: authenticate, bodyLimit: route.hardMax + FORM_OVERHEAD }, async (request, reply) => {
                const declared = declaredLength(request);
                if (declared !== undefined && declared > route.hardMax + FORM_OVERHEAD) return sendResult(reply, route.tooLarge());
                let form: UploadForm = { fields: {} };
                let outcome: { result: Awaited<ReturnType<FormRoute['action']['run']>> } | { error: unknown };
                try {
                    form = await readUploadForm(request, deps.files, route);
                    const input = parseBody(route.action.input, { ...form.fields, file: form.file });
                    outcome = { result: await route.action.run(deps, callerOf(request), input) };
                } catch (error) {
                    outcome = { error };
                } finally {
                    // Before the answer: once a client has it, nothing of a refused upload is left.
                    await discardForm(deps.files, form);
                }
                if ('result' in outcome) return sendResult(reply, outcome.result);
                const { error } = outcome;
                if (isClientError(error)) throw error;
                // An outage (store or database): the same body, as 503, so the client retries.
                if (unavailableDependency(error)) {
                    request.log.warn({ err: error, url: route.url }, 'upload failed: a dependency is unavailable');
                    return sendUnavailable(reply, route.failed);
                }
                request.log.error({ err: error, url: route.url }, 'upload failed');
                return reply.code(500).send(route.failed);
            });
        formRoute({
            url: '/v1/uploads',
            action: uploadCreate,
            hardMax: UPLOAD_MAX_BYTES,
            maxFileBytes: (fields) => categoryLimit(fields.category),
            tooLarge: () => sizeExceeded('files'),
            failed: { success: false, error: 'Upload failed', code: 'upload-failed' },
        });
        formRoute({
            url: '/v1/uploads/avatar',
            action: uploadAvatar,
            hardMax: AVATAR_MAX_BYTES,
            maxFileBytes: () => AVATAR_MAX_BYTES,
            tooLarge: avatarTooLarge,
            failed: { error: 'Avatar upload failed' },
        });
    });
}

function isClientError(error: unknown): boolean {
    const { statusCode, validation } = error as { statusCode?: number; validation?: unknown };
    return validation !== undefined || (statusCode !== undefined && statusCode >= 400 && statusCode < 500);
}
