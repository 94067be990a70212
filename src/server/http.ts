import type { IncomingMessage, ServerResponse } from 'node:http';
import { HerdError, type ErrorCode } from '../core/errors.js';

/** Request bodies larger than this are refused (413) without being read to the end. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024; // room for a 1 MB+ prompt, JSON-escaped

/** An error with an HTTP status; `body` replaces the usual {error, message} (quota denials keep their documented shape, README § Quotas). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly body?: Record<string, unknown>,
  ) {
    super(message);
  }
}

const STATUS_FOR: Record<ErrorCode, number> = {
  usage: 400,
  invalid_id: 400,
  not_found: 404,
  ambiguous: 400,
  conflict: 409,
  config: 500,
  quota_denied: 429,
  corrupt: 500,
  environment: 500,
  io: 500,
  internal: 500,
};

/** A HerdError from the core as the API answers it: same code and message, the status its kind implies. */
export function fromHerdError(e: HerdError): HttpError {
  const body = e.code === 'quota_denied' && e.data ? e.data : undefined;
  return new HttpError(STATUS_FOR[e.code], e.code, e.message, {}, body);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body) + '\n';
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store', ...headers });
  res.end(text);
}

export function sendError(res: ServerResponse, e: HttpError): void {
  sendJson(res, e.status, e.body ?? { error: e.code, message: e.message }, e.headers);
}

/**
 * The request body parsed as a JSON object ({} when empty). Over the cap it
 * is a 413 at once (from Content-Length when given); the rest of the upload
 * is read and dropped by node after the answer, so the client gets the 413
 * instead of a reset connection. Only authenticated requests get this far.
 */
export function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const tooLarge = () => new HttpError(413, 'payload_too_large', `request body over ${MAX_BODY_BYTES} bytes`);
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) return void chunks.push(chunk);
      req.off('data', onData).off('end', onEnd);
      reject(tooLarge());
    };
    const onEnd = () => {
      try {
        resolve(parseObject(Buffer.concat(chunks).toString('utf8')));
      } catch (e) {
        reject(e);
      }
    };
    req.on('data', onData).on('end', onEnd).on('error', reject);
  });
}

function parseObject(text: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new HttpError(400, 'bad_json', `malformed JSON in the request body: ${(e as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HttpError(400, 'bad_request', 'the request body must be a JSON object');
  return value as Record<string, unknown>;
}

export const badRequest = (message: string) => new HttpError(400, 'bad_request', message);

/** Reads typed fields of a JSON body, rejecting unknown keys (a typo must not silently fall back to a default). */
export class Fields {
  constructor(
    private readonly body: Record<string, unknown>,
    allowed: string[],
  ) {
    const unknown = Object.keys(body).filter((k) => !allowed.includes(k));
    if (unknown.length) throw badRequest(`unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')}; allowed: ${allowed.join(', ')}`);
  }

  string(key: string): string | undefined {
    const v = this.body[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw badRequest(`"${key}" must be a string`);
    return v;
  }

  integer(key: string, min: number, max: number): number | undefined {
    const v = this.body[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw badRequest(`"${key}" must be an integer from ${min} to ${max}`);
    return v;
  }

  boolean(key: string): boolean | undefined {
    const v = this.body[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') throw badRequest(`"${key}" must be true or false`);
    return v;
  }

  /** A number above 0 (an amount). */
  positive(key: string): number | undefined {
    const v = this.body[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw badRequest(`"${key}" must be a number above 0`);
    return v;
  }

  /** An object of string values (an env). */
  stringMap(key: string): Record<string, string> | undefined {
    const v = this.body[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v) || Object.values(v).some((s) => typeof s !== 'string')) throw badRequest(`"${key}" must be an object of string values`);
    return v as Record<string, string>;
  }

  strings(key: string): string[] | undefined {
    const v = this.body[key];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string' || s.trim() === '')) throw badRequest(`"${key}" must be a list of non-empty strings`);
    return v as string[];
  }
}
