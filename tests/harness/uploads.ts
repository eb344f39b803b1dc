import { createHash, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import sharp from 'sharp';

/** A real image of that size and format (a colour gradient, so its thumbhash is not flat). */
export async function image(format: 'png' | 'jpeg' | 'webp' | 'gif', width: number, height: number): Promise<Buffer> {
    const pixels = Buffer.alloc(width * height * 3);
    for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
            const i = (y * width + x) * 3;
            pixels[i] = Math.round((255 * x) / width);
            pixels[i + 1] = Math.round((255 * y) / height);
            pixels[i + 2] = 128;
        }
    }
    return sharp(pixels, { raw: { width, height, channels: 3 } }).toFormat(format).toBuffer();
}

export interface FormFile {
    bytes: Uint8Array;
    name?: string;
    type: string;
}

/** A multipart form the way a browser or React Native builds it; `file` after the fields. */
export function form(fields: Record<string, string>, file?: FormFile, fileFirst = false): FormData {
    const data = new FormData();
    const addFile = () => file && data.append('file', new Blob([file.bytes], { type: file.type }), file.name ?? 'upload.bin');
    if (fileFirst) addFile();
    for (const [name, value] of Object.entries(fields)) data.append(name, value);
    if (!fileFirst) addFile();
    return data;
}

/**
 * `size` bytes that are never all in memory: a block of random letters repeated (valid text of
 * any text type). `sha256` is final once the stream was read to its end.
 */
export function generatedBytes(size: number): { chunks: () => AsyncGenerator<Uint8Array>; sha256: () => string } {
    const block = randomBytes(1024 * 1024).map((byte) => 0x61 + (byte % 26));
    const hash = createHash('sha256');
    let digest = '';
    return {
        async *chunks() {
            for (let sent = 0; sent < size; sent += block.length) {
                const chunk = block.subarray(0, Math.min(block.length, size - sent));
                hash.update(chunk);
                yield chunk;
            }
            digest = hash.digest('hex');
        },
        sha256: () => digest,
    };
}

/** A streamed multipart body (no Content-Length: the server cannot know the size up front). */
export function streamedForm(fields: Record<string, string>, file: { name: string; type: string; chunks: () => AsyncGenerator<Uint8Array> }) {
    const boundary = `----happy${randomBytes(8).toString('hex')}`;
    const part = (headers: string) => Buffer.from(`--${boundary}\r\n${headers}\r\n\r\n`);
    async function* body() {
        for (const [name, value] of Object.entries(fields)) {
            yield part(`Content-Disposition: form-data; name="${name}"`);
            yield Buffer.from(`${value}\r\n`);
        }
        yield part(`Content-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: ${file.type}`);
        yield* file.chunks();
        yield Buffer.from(`\r\n--${boundary}--\r\n`);
    }
    return { body: streamBody(body()), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** A fetch body read from an async generator, sent chunked. */
export function streamBody(source: AsyncGenerator<Uint8Array>): ReadableStream<Uint8Array> {
    return new ReadableStream({
        async pull(controller) {
            const next = await source.next();
            if (next.done) controller.close();
            else controller.enqueue(next.value);
        },
    });
}

export async function sha256Of(body: ReadableStream<Uint8Array> | Readable | null): Promise<string> {
    const hash = createHash('sha256');
    if (body) for await (const chunk of body as AsyncIterable<Uint8Array>) hash.update(chunk);
    return hash.digest('hex');
}

/** Status and JSON body of a fetch response. */
export async function replyOf(response: Response): Promise<{ status: number; body: any }> {
    return { status: response.status, body: await response.json() };
}
