/** A thin fetch wrapper that returns what a client sees: status, headers and parsed body. */
export interface HttpResult<T = any> {
    status: number;
    headers: Headers;
    body: T;
    text: string;
}

export interface RequestOptions {
    token?: string;
    body?: unknown;
    /** Sent verbatim instead of JSON-encoding `body`. */
    raw?: string | Uint8Array;
    headers?: Record<string, string>;
}

export async function request<T = any>(baseUrl: string, method: string, path: string, options: RequestOptions = {}): Promise<HttpResult<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | Uint8Array | undefined = options.raw;
    if (options.body !== undefined) {
        body = JSON.stringify(options.body);
        headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    if (text && response.headers.get('content-type')?.includes('application/json')) parsed = JSON.parse(text);
    return { status: response.status, headers: response.headers, body: parsed as T, text };
}
