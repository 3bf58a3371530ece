// api.js - calls to the service (GET /languages, POST /execute) with the API key header, and
// the plain-words message for each refusal (400, 401, 413, 429, 503, others, no connection).

export class ApiError extends Error {
  constructor(status, message, field) {
    super(message);
    this.status = status;
    this.field = field;
  }
}

function explain(status, body, headers) {
  const detail = body && body.error ? body.error : "";
  const field = body && body.field ? ` (field: ${body.field})` : "";
  switch (status) {
    case 400:
      return `The service refused the request: ${detail}${field}.`;
    case 401:
      return "This server requires an API key: enter it in the \"API key\" field and try again." +
        (detail ? ` (${detail})` : "");
    case 413:
      return "The request is too large: " +
        `${detail || "the code or input is over the server's limit"}.`;
    case 429: {
      const after = headers.get("Retry-After");
      return `Too many requests: ${detail || "rate limit reached"}.` +
        (after ? ` Try again in ${after} s.` : " Try again shortly.");
    }
    case 503:
      return `The service is busy or unavailable: ${detail || "try again in a moment"}.`;
    default:
      return `The service answered ${status}: ${detail || "unexpected error"}${field}.`;
  }
}

async function call(path, key, init) {
  const headers = Object.assign({}, init && init.headers);
  if (key)
    headers["X-API-Key"] = key;
  let res;
  try {
    res = await fetch(path, Object.assign({}, init, { headers }));
  } catch (e) {
    throw new ApiError(0, "Cannot reach the service: is it running? (" + e.message + ")");
  }
  let body = null;
  try {
    body = await res.json();
  } catch (e) {
    body = null;
  }
  if (!res.ok)
    throw new ApiError(res.status, explain(res.status, body, res.headers), body && body.field);
  if (body === null)
    throw new ApiError(res.status, "The service answered something that is not JSON.");
  return body;
}

export function getLanguages(key) {
  return call("/languages", key, { method: "GET" });
}

export function execute(key, request) {
  return call("/execute", key, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(request),
  });
}
