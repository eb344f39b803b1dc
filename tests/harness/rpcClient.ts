import type { TestSocket } from './socketClient.ts';

/**
 * Registers `method` the way happy-cli does and answers each `rpc-request` for it with
 * `answer(params)`, or never when `answer` is 'silent' (a target that hangs). Resolves once
 * registered, with the list the requests will be recorded in.
 */
export async function serveRpc(client: TestSocket, method: string, answer: ((params: any) => unknown) | 'silent' = (params) => params) {
    const requests: any[] = [];
    client.socket.on('rpc-request', (payload: any, ack: (result?: unknown) => void) => {
        if (payload?.method !== method) return;
        requests.push(payload);
        if (answer === 'silent') return;
        const result = answer(payload.params);
        // `ack(undefined)` would travel as null; no value at all is `ack()`.
        if (result === undefined) ack();
        else ack(result);
    });
    client.socket.emit('rpc-register', { method });
    await client.next('rpc-registered', (event) => event.method === method);
    return requests;
}

export function callRpc(client: TestSocket, method: string, params: unknown, timeoutMs = 10_000) {
    return client.emitWithAck('rpc-call', { method, params }, timeoutMs);
}
