import type {} from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import type { IncomingFile } from '../../actions/upload/uploadSchemas.ts';
import type { BlobStore } from '../../files/blobStore.ts';

export interface UploadForm {
    fields: Record<string, string>;
    file?: IncomingFile;
}

/** Fields are a category and a reuse key: small, few. */
const FIELD_LIMITS = { fieldNameSize: 100, fieldSize: 1024, fields: 10, parts: 20, headerPairs: 100 };

/**
 * Reads a multipart form with @fastify/multipart's streaming API: text fields into `fields`,
 * the part named `file` streamed to the store's spool (its limit may depend on the fields sent
 * before it, e.g. the category; never above `hardMax`), other file parts read and dropped.
 * Nothing is buffered.
 */
export async function readUploadForm(
    request: FastifyRequest,
    store: BlobStore,
    limits: { hardMax: number; maxFileBytes(fieldsSoFar: Record<string, string>): number },
): Promise<UploadForm> {
    // No prototype: a field named `__proto__` or `constructor` is just a field.
    const form: UploadForm = { fields: Object.create(null) as Record<string, string> };
    if (!request.isMultipart()) return form;
    try {
        // Past hardMax busboy drops the rest itself (the plugin is registered with
        // throwFileSizeLimit off); the spool sees one byte too many and says so.
        const parts = request.parts({ limits: { ...FIELD_LIMITS, fileSize: limits.hardMax + 1 } });
        for await (const part of parts) {
            if (part.type === 'field') {
                if (typeof part.value === 'string') form.fields[part.fieldname] = part.value;
            } else if (part.fieldname === 'file' && !form.file) {
                const spooled = await store.spool(part.file, Math.min(limits.maxFileBytes(form.fields), limits.hardMax));
                form.file = { name: part.filename, type: part.mimetype, spooled };
            } else {
                part.file.resume();
            }
        }
    } catch (error) {
        await discardForm(store, form);
        throw asClientError(error);
    }
    return form;
}

export async function discardForm(store: BlobStore, form: UploadForm): Promise<void> {
    if (form.file && form.file.spooled !== 'too-large') await store.discard(form.file.spooled);
}

/**
 * Busboy reports a malformed body (no boundary, a part cut short) with a plain Error: the
 * client's fault, a 400. System errors (a full disk) and the plugin's own 4xx pass unchanged.
 */
function asClientError(error: unknown): unknown {
    if (!(error instanceof Error) || 'syscall' in error || 'statusCode' in error) return error;
    return Object.assign(new Error(`Malformed multipart body: ${error.message}`), { statusCode: 400 });
}
