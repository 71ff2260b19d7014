/**
 * The one way the web app talks to the Rounds API.
 *
 * `request(method, path, body, {token, contentType, timeoutMs})` sends `body` as JSON, or as it is
 * (a File, say) with `contentType` when one is given. With a device `token` it
 * authenticates as that enrolled device (`Authorization: Bearer`); without one, with the session
 * cookie and, on writes, the session's CSRF token (set with `setCsrfToken`, read from sign-in or
 * GET /api/me) in `X-CSRF-Token`. It resolves with the parsed JSON answer (null for 204). Anything else throws an
 * `ApiError` carrying `status`, `code`, `message` and `fields` from the server's error shape
 * `{"error": {"code", "message", "fields"}}`; when the server cannot be reached, `status` is 0
 * and `code` is "unreachable".
 */

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
// School Wi-Fi can accept a request and never answer; after this long we say so instead of waiting.
const TIMEOUT_MS = 20000;
const UNREACHABLE = 'The Rounds server cannot be reached. Check the connection and try again.';

let csrfToken = null;

export class ApiError extends Error {
  constructor(status, code, message, fields = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fields = fields;
  }
}

export function setCsrfToken(token) {
  csrfToken = token || null;
}

export async function request(method, path, body, { token = null, contentType = null, timeoutMs = TIMEOUT_MS } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = contentType || 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  else if (!SAFE_METHODS.has(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined || contentType ? body : JSON.stringify(body),
      credentials: 'same-origin',
      signal: abort.signal,
    });
  } catch {
    throw new ApiError(0, 'unreachable', UNREACHABLE);
  } finally {
    clearTimeout(timer);
  }
  if (response.status === 204) return null;
  const isJson = (response.headers.get('Content-Type') || '').includes('application/json');
  const data = isJson ? await response.json().catch(() => null) : null;
  if (response.ok && data !== null) return data;
  if (data && data.error) {
    const { code, message, fields } = data.error;
    throw new ApiError(response.status, code, message, fields || {});
  }
  // Not our JSON: a proxy's error page, or a Wi-Fi sign-in page standing in for the server.
  if (response.ok) throw new ApiError(response.status, 'unreachable', UNREACHABLE);
  throw new ApiError(response.status, 'server_error',
    `The server answered with an error (${response.status}). Try again in a moment.`);
}

export const get = (path, options) => request('GET', path, undefined, options);
export const post = (path, body, options) => request('POST', path, body, options);
