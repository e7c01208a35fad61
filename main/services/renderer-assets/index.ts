// Serving the built renderer: one implementation for the Electron app protocol (app://wessex/) and the
// loopback harness, so both get the same path checks and the same Content-Security-Policy.
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';

/** No inline script, no remote origins; pdf.js runs its worker from a same-origin/blob URL. */
export const RENDERER_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-src 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const APP_PROTOCOL = 'app';
export const APP_ORIGIN = 'app://wessex';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.bcmap': 'application/octet-stream',
  '.pfb': 'application/octet-stream',
  '.ttf': 'font/ttf',
};

export interface RendererAsset {
  status: 200 | 404;
  body: Buffer;
  headers: Record<string, string>;
}

/** Default output folder of the renderer build. */
export function defaultRendererDir(projectRoot: string): string {
  return resolve(projectRoot, 'out', 'renderer');
}

/** Reads a file under `rootDir` for a request path; anything outside it, or missing, is a 404. */
export async function readRendererAsset(rootDir: string, urlPath: string): Promise<RendererAsset> {
  const root = resolve(rootDir);
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath.split(/[?#]/)[0] ?? '/');
  } catch {
    return notFound();
  }
  const relative =
    decoded === '/' || decoded === '' ? 'index.html' : normalize(decoded).replace(/^[/\\]+/, '');
  const filePath = resolve(join(root, relative));
  if (filePath !== root && !filePath.startsWith(root + sep)) return notFound();
  try {
    const body = await readFile(filePath);
    return {
      status: 200,
      body,
      headers: {
        'content-type': CONTENT_TYPES[extname(filePath).toLowerCase()] ?? 'application/octet-stream',
        'content-security-policy': RENDERER_CSP,
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-store',
      },
    };
  } catch {
    return notFound();
  }
}

function notFound(): RendererAsset {
  return {
    status: 404,
    body: Buffer.from('Not found'),
    headers: { 'content-type': 'text/plain; charset=utf-8', 'content-security-policy': RENDERER_CSP },
  };
}
