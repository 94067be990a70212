import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError } from './http.js';

export interface Request {
  req: IncomingMessage;
  res: ServerResponse;
  params: Record<string, string>;
  query: URLSearchParams;
}

export type Handler = (r: Request) => Promise<void> | void;

export interface Route {
  method: string;
  /** e.g. "/jobs/:id/events"; also what the diagnostic log names (never the path itself). */
  pattern: string;
  /** False for the few routes anyone may read: /health and the dashboard's static files. */
  auth: boolean;
  handler: Handler;
}

interface Compiled extends Route {
  re: RegExp;
  names: string[];
}

export interface Match {
  route: Route;
  params: Record<string, string>;
}

/** Method + path → route. A path that exists under other methods is a 405 with Allow; no path, a 404. */
export class Router {
  private readonly routes: Compiled[];

  constructor(routes: Route[]) {
    this.routes = routes.map((r) => {
      const names: string[] = [];
      const source = r.pattern.replace(/:(\w+)/g, (_, name: string) => {
        names.push(name);
        return '([^/]+)';
      });
      return { ...r, re: new RegExp(`^${source}$`), names };
    });
  }

  match(method: string, path: string): Match {
    const allowed: string[] = [];
    for (const r of this.routes) {
      const m = r.re.exec(path);
      if (!m) continue;
      if (r.method !== method) {
        allowed.push(r.method);
        continue;
      }
      const params: Record<string, string> = {};
      r.names.forEach((name, i) => (params[name] = decode(m[i + 1])));
      return { route: r, params };
    }
    if (allowed.length) {
      throw new HttpError(405, 'method_not_allowed', `${method} is not allowed here; allowed: ${allowed.join(', ')}`, { Allow: allowed.join(', ') });
    }
    throw new HttpError(404, 'not_found', `no route ${path.length > 100 ? path.slice(0, 100) + '…' : path}`);
  }
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new HttpError(400, 'bad_request', 'malformed percent-encoding in the path');
  }
}
