// RFC 8252 §7.3 loopback redirect: a listener on 127.0.0.1:47615 that takes the authorization response and
// answers the browser with a plain page. Used where the URI scheme is not registered (and by the CLI without
// --headless). Only a callback carrying a state this sign-in is waiting for ends it: any web page can make the
// browser GET /callback, so anything else gets a plain 400 and the listener keeps waiting (until the timeout).
import { createServer } from 'node:http';
import { LOOPBACK_REDIRECT_PORT, LOOPBACK_REDIRECT_URI } from './launch-input';

const TIMEOUT_MS = 10 * 60 * 1000;

/**
 * `accepts`: whether a callback's `state` is one this sign-in is waiting for (asked when a callback arrives,
 * so the state may be learnt after the listener started, e.g. when the authorization URL is opened).
 */
export function waitForLoopbackRedirect(
  accepts: (state: string | undefined) => boolean,
  port = LOOPBACK_REDIRECT_PORT,
): {
  callback: Promise<string>;
  cancel: () => void;
} {
  let cancel = (): void => undefined;
  const callback = new Promise<string>((resolve, reject) => {
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
      if (req.method !== 'GET' || url.pathname !== '/callback') {
        res.writeHead(404).end();
        return;
      }
      if (!accepts(url.searchParams.get('state') ?? undefined)) {
        res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('This is not the sign-in the Wessex Care Record is waiting for.');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('Signed in. You can close this window and return to the Wessex Care Record.');
      finish();
      resolve(`${LOOPBACK_REDIRECT_URI}${url.search}`);
    });
    const timer = setTimeout(() => {
      finish();
      reject(new Error('No sign-in response arrived within 10 minutes.'));
    }, TIMEOUT_MS);
    const finish = (): void => {
      clearTimeout(timer);
      server.close();
    };
    cancel = () => {
      finish();
      reject(new Error('cancelled'));
    };
    server.once('error', (error) => {
      finish();
      reject(new Error(`Cannot listen for the sign-in response on 127.0.0.1:${port}.`, { cause: error }));
    });
    server.listen(port, '127.0.0.1');
  });
  callback.catch(() => undefined);
  return { callback, cancel };
}
