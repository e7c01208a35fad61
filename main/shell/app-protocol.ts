// The renderer is served from app://wessex/ (a privileged standard scheme), never file://.
import { net, protocol } from 'electron';
import { APP_PROTOCOL, readRendererAsset } from '../services/renderer-assets';

/** Must run before app 'ready'. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_PROTOCOL, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

export function serveRenderer(rendererDir: string): void {
  protocol.handle(APP_PROTOCOL, async (request) => {
    const asset = await readRendererAsset(rendererDir, new URL(request.url).pathname);
    return new Response(new Uint8Array(asset.body), { status: asset.status, headers: asset.headers });
  });
  // Nothing in the app loads over plain file:// or remote http(s) in the renderer session.
  void net;
}
