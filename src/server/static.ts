import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { HttpError } from './http.js';
import type { Request } from './router.js';

/** The dashboard's files: src/dashboard/ beside the sources, copied to dist/dashboard/ by the build. */
const DIR = new URL('../dashboard/', import.meta.url);

const TYPES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'jobs.js': 'text/javascript; charset=utf-8',
  'pages.js': 'text/javascript; charset=utf-8',
  'ui.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
};

export const DASHBOARD_FILES = Object.keys(TYPES);

/** Only herdctl's own files run in the page: no inline script, nothing from elsewhere. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Serves one dashboard file, read once and kept. The page asks for the token itself; these files hold no data. */
export function staticFile(name: string): (r: Request) => void {
  let body: Buffer | null = null;
  return (r) => {
    try {
      body ??= readFileSync(new URL(name, DIR));
    } catch {
      throw new HttpError(500, 'dashboard_missing', `the dashboard file ${fileURLToPath(new URL(name, DIR))} is missing; rebuild with: npm run build`);
    }
    r.res.writeHead(200, {
      'Content-Type': TYPES[name],
      'Content-Length': body.length,
      'Cache-Control': 'no-cache',
      'Content-Security-Policy': CSP,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    });
    r.res.end(body);
  };
}
