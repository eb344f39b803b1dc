import { afterAll } from 'vitest';
import { login } from './keyClient.ts';
import { connectNative, type NativeClient } from './nativeClient.ts';
import { connectSocket, type ClientAuth, type TestSocket } from './socketClient.ts';

/** Where the app side and the CLI/daemon side connect: one node, or two nodes of a cluster. */
export type Nodes = () => { appUrl: string; cliUrl: string };

/** A fresh account that opens clients of either generation on any node. */
export interface MixedAccount {
    token: string;
    native(url: string, query?: Record<string, string>): Promise<NativeClient>;
    socketIo(url: string, auth?: ClientAuth): Promise<TestSocket>;
}

/**
 * For suites with both client generations on one account: `account()` logs a new account in
 * (on the app node) and opens its clients, every one of them closed after the block.
 */
export function useMixedAccounts(nodes: Nodes): () => Promise<MixedAccount> {
    const open: Array<NativeClient | TestSocket> = [];
    afterAll(() => open.splice(0).forEach((client) => client.close()));
    const opened = <T extends NativeClient | TestSocket>(client: T) => {
        open.push(client);
        return client;
    };
    return async () => {
        const { token } = await login(nodes().appUrl);
        return {
            token,
            native: async (url, query = {}) => opened(await connectNative(url, { query: { token, ...query } })),
            socketIo: async (url, auth = {}) => opened(await connectSocket(url, token, auth)),
        };
    };
}
