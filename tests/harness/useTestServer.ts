import { afterAll, beforeAll } from 'vitest';
import type { Deps } from '../../sources/deps.ts';
import { request, type HttpResult, type RequestOptions } from './http.ts';
import { login, type AccountKeys } from './keyClient.ts';
import { connectSocket, type ClientAuth, type TestSocket } from './socketClient.ts';
import { startTestServer, type TestServer, type TestServerOptions } from './testServer.ts';

/** A logged-in account of a test server, acting the way a client of that account does. */
export interface TestAccount {
    token: string;
    userId: string;
    keys: AccountKeys;
    /** Opens a socket of this account (user-scoped unless `auth` says otherwise). */
    connect(auth?: ClientAuth): Promise<TestSocket>;
    /** A REST call with this account's bearer token. */
    request<T = any>(method: string, path: string, options?: Omit<RequestOptions, 'token'>): Promise<HttpResult<T>>;
}

export interface TestServerHandle {
    readonly server: TestServer;
    readonly url: string;
    readonly deps: Deps;
    /** Logs in a fresh account (or the one of `keys`). */
    account(keys?: AccountKeys): Promise<TestAccount>;
    /** Opens a socket (to `url`, a proxy say, instead of the server) that is closed when the server stops. */
    connect(token: string | undefined, auth?: ClientAuth, url?: string): Promise<TestSocket>;
    request<T = any>(method: string, path: string, options?: RequestOptions): Promise<HttpResult<T>>;
}

/**
 * One real server for the test file (or `describe` block) it is called in: started before its
 * tests, stopped after them with every socket opened through it. Call it at the top of the
 * block; its getters are valid inside hooks and tests.
 */
export function useTestServer(options: TestServerOptions = {}): TestServerHandle {
    let started: TestServer | undefined;
    const open: TestSocket[] = [];
    beforeAll(async () => {
        started = await startTestServer(options);
    });
    afterAll(async () => {
        for (const client of open.splice(0)) client.close();
        await started?.dispose();
    });

    const handle: TestServerHandle = {
        get server() {
            if (!started) throw new Error('the test server is used before beforeAll started it');
            return started;
        },
        get url() {
            return handle.server.url;
        },
        get deps() {
            return handle.server.deps;
        },
        async connect(token, auth = {}, url = handle.url) {
            const client = await connectSocket(url, token, auth);
            open.push(client);
            return client;
        },
        request: (method, path, requestOptions) => request(handle.url, method, path, requestOptions),
        async account(keys) {
            const session = await login(handle.url, keys);
            const verified = await handle.deps.tokens.verify(session.token);
            if (!verified) throw new Error('a freshly issued token does not verify');
            const { token } = session;
            return {
                token,
                userId: verified.userId,
                keys: session.keys,
                connect: (auth) => handle.connect(token, auth),
                request: (method, path, requestOptions) => request(handle.url, method, path, { ...requestOptions, token }),
            };
        },
    };
    return handle;
}
