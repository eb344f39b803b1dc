import { randomBytes, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { TestSocket } from '../socketClient.ts';
import type { TestAccount } from '../useTestServer.ts';
import { ciphertext, createSession } from '../sessions.ts';
import { form } from '../uploads.ts';
import { fieldsOf, type IdSource, type JsonSchema } from './schemaArbitrary.ts';

/** One resource of each kind an account can own, made through the API as a client makes it. */
export interface OwnedIds {
    session: string;
    machine: string;
    artifact: string;
    kvKey: string;
    pushToken: string;
    attachmentFile: string;
    upload: string;
    /** Registered only once a socket of the account calls `registerRpcMethod`. */
    rpcMethod: string;
}

export type IdKind = keyof OwnedIds;

export async function seedAccount(url: string, account: TestAccount): Promise<OwnedIds> {
    const ok = async (what: string, response: Promise<{ status: number; text: string; body: any }>) => {
        const answer = await response;
        if (answer.status !== 200) throw new Error(`${what}: ${answer.status} ${answer.text}`);
        return answer.body;
    };
    const session = (await createSession(url, account.token)).id;
    const machine = randomUUID();
    const artifact = randomUUID();
    const kvKey = `key-${randomBytes(4).toString('hex')}`;
    const pushToken = `ExponentPushToken[${randomBytes(8).toString('hex')}]`;
    const attachmentFile = `${randomUUID()}.enc`;
    await ok('message', account.request('POST', `/v3/sessions/${session}/messages`, { body: { messages: [{ localId: 'l1', content: ciphertext() }] } }));
    await ok('machine', account.request('POST', '/v1/machines', { body: { id: machine, metadata: ciphertext(), daemonState: ciphertext() } }));
    await ok('artifact', account.request('POST', '/v1/artifacts', { body: { id: artifact, header: ciphertext(), body: ciphertext(), dataEncryptionKey: ciphertext(32) } }));
    await ok('access key', account.request('POST', `/v1/access-keys/${session}/${machine}`, { body: { data: ciphertext() } }));
    await ok('kv', account.request('POST', '/v1/kv', { body: { mutations: [{ key: kvKey, value: ciphertext(), version: -1 }] } }));
    await ok('push token', account.request('POST', '/v1/push-tokens', { body: { token: pushToken } }));
    await ok('attachment', account.request('PUT', `/v1/sessions/${session}/attachments/${attachmentFile}`, {
        raw: randomBytes(64),
        headers: { 'content-type': 'application/octet-stream' },
    }));
    const uploaded = await fetch(`${url}/v1/uploads`, {
        method: 'POST',
        headers: { authorization: `Bearer ${account.token}` },
        body: form({ category: 'files' }, { bytes: Buffer.from('hello'), type: 'text/plain', name: 'a.txt' }),
    });
    if (uploaded.status !== 200) throw new Error(`upload: ${uploaded.status} ${await uploaded.text()}`);
    const upload = ((await uploaded.json()) as { file: { id: string } }).file.id;
    return { session, machine, artifact, kvKey, pushToken, attachmentFile, upload, rpcMethod: `${session}:bash` };
}

/**
 * The kind of id a parameter or field holds, from its name and, for a bare `id` / `{id}`, the
 * resource of its route (`/v1/machines/{id}` holds a machine). Undefined: not an owned id.
 */
export function idKindOf(name: string, resource = ''): IdKind | undefined {
    const byName: Record<string, IdKind> = {
        sessionId: 'session', sid: 'session', machineId: 'machine', artifactId: 'artifact',
        key: 'kvKey', attachmentFile: 'attachmentFile', method: 'rpcMethod',
    };
    if (byName[name]) return byName[name];
    // Other routes' `token`s are the caller's own secrets (vendor API keys), not ids.
    if (name === 'token') return resource === 'push-tokens' ? 'pushToken' : undefined;
    const byResource: Record<string, IdKind> = { sessions: 'session', machines: 'machine', artifacts: 'artifact', uploads: 'upload' };
    return name === 'id' ? byResource[resource] : undefined;
}

/**
 * Where an input holds ids of `resource`'s kinds, at any depth: `sid`, `mutations[].key`,
 * `keys[]`, `filter.sessionId` (inside arrays, objects and unions alike).
 */
export function idFieldsOf(schema: JsonSchema | undefined, resource = ''): string[] {
    return fieldsOf(schema ?? {}).filter((field) => idKindOf(field.name, resource) !== undefined).map((field) => field.path);
}

/** `/v1/machines/{id}` -> `machines`. */
export const resourceOf = (path: string) => path.split('/').filter((s) => s && !/^v\d+$/.test(s))[0] ?? '';

/**
 * Ids for the fuzzer: mostly its own (the code behind the ownership check is where inputs meet
 * the columns), then the other account's and ones nobody owns.
 */
export function idSource(resource: string, own: OwnedIds, ...others: OwnedIds[]): IdSource {
    return (name) => {
        const kind = idKindOf(name, resource);
        if (!kind) return undefined;
        return fc.oneof(
            { weight: 3, arbitrary: fc.constant(own[kind]) },
            { weight: 1, arbitrary: fc.constantFrom(...others.map((ids) => ids[kind]), randomUUID(), 'cmaaaaaaaaaaaaaaaaaaaaaaa') },
        );
    };
}

/** Makes `ids.rpcMethod` callable: `client` registers it and answers its calls with 'ok'. */
export async function registerRpcMethod(client: TestSocket, ids: OwnedIds): Promise<void> {
    client.socket.on('rpc-request', (_payload: unknown, answer?: (reply: unknown) => void) => answer?.('ok'));
    client.socket.emit('rpc-register', { method: ids.rpcMethod });
    await client.next('rpc-registered', (payload) => payload?.method === ids.rpcMethod);
}

/** Exactly these ids wherever a field holds one (with `pinIds`). */
export function pinnedIds(resource: string, ids: OwnedIds): IdSource {
    return (name) => {
        const kind = idKindOf(name, resource);
        return kind && fc.constant(ids[kind]);
    };
}
