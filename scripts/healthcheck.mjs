// The image's HEALTHCHECK: GET /health on this container's API port (it runs `SELECT 1`), exit 0
// when it answers 200. Node itself, since the slim image has no curl.
const port = process.env.PORT || '3005';
try {
    const response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(4_000) });
    process.exit(response.ok ? 0 : 1);
} catch {
    process.exit(1);
}
