import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../sources/config.ts';
import { ClientLabeler, RpcMethodLabeler } from '../../sources/monitoring/labels.ts';
import { createLogger } from '../../sources/monitoring/log.ts';
import { captureLines, findSecrets } from '../harness/logScan.ts';

describe('metric labels', () => {
    it("splits the client header upstream's way, for known families only", () => {
        const labeler = new ClientLabeler();
        expect(labeler.labels(undefined)).toEqual({ client: 'unknown', client_type: 'unknown' });
        expect(labeler.labels('')).toEqual({ client: 'unknown', client_type: 'unknown' });
        expect(labeler.labels('cli/1.2.3')).toEqual({ client: 'cli/1.2.3', client_type: 'cli' });
        expect(labeler.labels('CLI-Daemon/0.13.0')).toEqual({ client: 'CLI-Daemon/0.13.0', client_type: 'cli-daemon' });
        expect(labeler.labels('curl/8.0')).toEqual({ client: 'other', client_type: 'other' });
        expect(labeler.labels('cli')).toEqual({ client: 'cli/other', client_type: 'cli' });
        expect(labeler.labels('cli/1.0 "quoted"')).toEqual({ client: 'cli/other', client_type: 'cli' });
    });

    it('admits 64 distinct clients, then folds new ones into <family>/other', () => {
        const labeler = new ClientLabeler();
        const clients = Array.from({ length: 80 }, (_, i) => labeler.labels(`cli/1.${i}.0`).client);
        expect(new Set(clients).size).toBe(65);
        expect(clients.slice(64)).toEqual(Array(16).fill('cli/other'));
        expect(labeler.labels('cli/1.3.0').client).toBe('cli/1.3.0');
    });

    it("keeps the RPC method's last segment, bounded", () => {
        const labeler = new RpcMethodLabeler();
        expect(labeler.label('0f8e:spawn-happy-session')).toBe('spawn-happy-session');
        expect(labeler.label('sid:a:bash')).toBe('bash');
        expect(labeler.label('plain')).toBe('plain');
        expect(labeler.label(42)).toBe('other');
        expect(labeler.label('sid:has space')).toBe('other');
        for (let i = 0; i < 100; i++) labeler.label(`sid:m${i}`);
        expect(labeler.label('sid:late')).toBe('other');
    });
});

describe('logger', () => {
    const logged = (record: object, message = 'x') => {
        const capture = captureLines();
        createLogger('trace', { destination: capture.destination }).info(record, message);
        return capture.records()[0];
    };

    it('redacts credentials and payloads wherever a careless call puts them', () => {
        const record = logged({
            headers: { authorization: 'Bearer abc' },
            req: { headers: { authorization: 'Bearer abc' } },
            authorization: 'Bearer abc',
            token: 't',
            auth: { token: 't' },
            body: { challenge: 'c' },
            message: 'ciphertext',
            payload: { signature: 's', publicKey: 'k', content: 'c', metadata: 'm', params: 'p', dataEncryptionKey: 'd' },
            sessionId: 'kept',
        });
        expect(record).toMatchObject({
            headers: '[redacted]',
            authorization: '[redacted]',
            token: '[redacted]',
            auth: { token: '[redacted]' },
            body: '[redacted]',
            message: '[redacted]',
            payload: {
                signature: '[redacted]',
                publicKey: '[redacted]',
                content: '[redacted]',
                metadata: '[redacted]',
                params: '[redacted]',
                dataEncryptionKey: '[redacted]',
            },
            sessionId: 'kept',
        });
        expect(record.req).toEqual({ route: 'unmatched' });
    });

    it("keeps an error's type, message, code and stack, and drops what drivers attach", () => {
        const error = Object.assign(new Error('duplicate key value violates unique constraint "x"', { cause: new Error('inner') }), {
            code: '23505',
            detail: 'Key (token)=(ExponentPushToken[secret]) already exists.',
            parameters: ['secret'],
        });
        const record = logged({ err: error });
        expect(Object.keys(record.err)).toEqual(['type', 'message', 'stack', 'code']);
        expect(record.err).toMatchObject({ type: 'Error', code: '23505' });
        expect(record.err.message).toContain('inner');
        expect(JSON.stringify(record)).not.toContain('secret');
    });

    it('writes JSON lines to a given destination, whatever the format', () => {
        const capture = captureLines();
        createLogger('info', { destination: capture.destination, format: 'pretty' }).info({ a: 1 }, 'hello');
        expect(JSON.parse(capture.lines[0]!)).toMatchObject({ level: 30, msg: 'hello', a: 1, service: 'happy-server' });
    });
});

describe('secret scan of log lines', () => {
    it('flags bearer headers, JWTs, hex public keys and base64 blobs, not ids, routes or stacks', () => {
        const jwt = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJjbTEyMyJ9.c2lnbmF0dXJl';
        const blob = 'q83vEjRWeJASNFZ4kBI0VniQEjRWeJASNFZ4kBI0Vng=';
        for (const line of [`{"h":"Bearer x"}`, `{"t":"${jwt}"}`, `{"k":"${'ab12'.repeat(16)}"}`, `{"c":"${blob}"}`]) {
            expect(findSecrets([line])).toHaveLength(1);
        }
        const clean = [
            '{"reqId":"149a629d-8be8-473c-b1ac-ec3480200d4b","route":"/v3/sessions/:sessionId/messages","msg":"request completed"}',
            '{"userId":"cmi3k2j1x0000abcd1234efgh","socketId":"Qx3kL9aZ2bYpE7sTAAAB"}',
            '{"stack":"Error: x\\n    at sources/transport/http/plugins/requestContext.ts:12:3"}',
        ];
        expect(findSecrets(clean)).toEqual([]);
        expect(findSecrets(['{"a":"known-value"}'], ['known-value'])).toHaveLength(1);
    });
});

describe('observability settings', () => {
    it("defaults to metrics on port 9090 and automatic log format (upstream's defaults)", () => {
        expect(loadConfig({})).toMatchObject({ metrics: { enabled: true, port: 9090 }, logFormat: 'auto' });
    });

    it('turns metrics off with false or 0, in any case', () => {
        for (const off of ['false', 'FALSE', '0']) expect(loadConfig({ METRICS_ENABLED: off }).metrics.enabled).toBe(false);
        for (const on of ['true', '1', '']) expect(loadConfig({ METRICS_ENABLED: on }).metrics.enabled).toBe(true);
        expect(loadConfig({ METRICS_PORT: '0', LOG_FORMAT: 'pretty' })).toMatchObject({ metrics: { port: 0 }, logFormat: 'pretty' });
    });

    it('refuses values it cannot read, naming the variable', () => {
        for (const env of [{ METRICS_ENABLED: 'maybe' }, { METRICS_PORT: '70000' }, { METRICS_PORT: 'x' }, { LOG_FORMAT: 'xml' }]) {
            expect(() => loadConfig(env)).toThrow(ConfigError);
            expect(() => loadConfig(env)).toThrow(Object.keys(env)[0]);
        }
    });
});
