// Serves the built renderer on 127.0.0.1 with the same resolver and CSP as the Electron app protocol.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readRendererAsset } from '../../services/renderer-assets';

export interface RendererServer {
  url: string;
  close(): Promise<void>;
}

export async function startRendererServer(rootDir: string): Promise<RendererServer> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    readRendererAsset(rootDir, req.url ?? '/').then(
      (asset) => {
        res.writeHead(asset.status, { ...asset.headers, 'content-length': asset.body.length });
        res.end(req.method === 'HEAD' ? undefined : asset.body);
      },
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
