import { createRequire } from 'node:module';
import { pino, stdSerializers, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** `auto`: pretty on a terminal, JSON lines otherwise (containers, files, log shippers). */
export type LogFormat = 'json' | 'pretty' | 'auto';

export interface LoggerOptions {
    format?: LogFormat;
    /** Where lines go instead of stdout (tests capture them). */
    destination?: DestinationStream;
}

/**
 * Fields that carry credentials or client ciphertext wherever they appear, top level or one
 * level down: bearer tokens, login challenges and signatures, public keys, pairing responses,
 * data keys, vendor and push tokens, third-party API keys and voice conversation tokens, and the
 * encrypted payloads of sessions, machines, messages, artifacts, KV entries and RPC calls.
 */
const SECRET_FIELDS = [
    'authorization',
    'cookie',
    'token',
    'challenge',
    'signature',
    'publicKey',
    'secret',
    'password',
    'apiKey',
    'conversationToken',
    // GitHub OAuth: the user's access token, the app's client and webhook secrets.
    'accessToken',
    'access_token',
    'clientSecret',
    'client_secret',
    'webhookSecret',
    'response',
    'dataEncryptionKey',
    'content',
    'metadata',
    'agentState',
    'daemonState',
    'header',
    'body',
    'value',
    'params',
    'headers',
];

/**
 * Nothing logs request headers or payloads; redaction is the second line of defence, so a
 * careless `log.info({ body })` still cannot leak a bearer token or a key (upstream logged them,
 * spec storage.md S3). Errors keep their type, message, code and stack only: node-postgres puts
 * row values in `detail`, and other libraries attach requests and responses.
 */
export function createLogger(level: string, options: LoggerOptions = {}): Logger {
    return pino(
        {
            level,
            base: { service: 'happy-server' },
            redact: {
                // `message` only at the top: one level down it is an error's own text.
                paths: ['message', ...SECRET_FIELDS, ...SECRET_FIELDS.map((field) => `*.${field}`)],
                censor: '[redacted]',
            },
            serializers: { err: safeError, error: safeError, req: safeRequest, res: safeResponse },
        },
        options.destination ?? stdout(options.format ?? 'auto'),
    );
}

function stdout(format: LogFormat): DestinationStream | undefined {
    const tty = process.stdout.isTTY === true;
    if (format === 'json' || (format === 'auto' && !tty)) return undefined;
    // Loaded only when asked for: JSON is the default and pino-pretty is not free to load.
    // Synchronous, in this thread: no worker transport to lose lines on a crash.
    const pretty = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
    return pretty({ colorize: tty, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' });
}

/** pino's error serializer (whose message and stack include the causes), cut to these fields. */
export function safeError(error: unknown): unknown {
    if (!(error instanceof Error)) return error;
    const { type, message, stack } = stdSerializers.err(error);
    const code = (error as { code?: unknown }).code;
    return { type, message, stack, ...((typeof code === 'string' || typeof code === 'number') && { code }) };
}

/** A request is its method and route template: URLs carry push tokens, keys and ids. */
function safeRequest(request: { method?: string; id?: string; routeOptions?: { url?: string } }) {
    return { id: request.id, method: request.method, route: request.routeOptions?.url ?? 'unmatched' };
}

function safeResponse(reply: { statusCode?: number }) {
    return { statusCode: reply.statusCode };
}
