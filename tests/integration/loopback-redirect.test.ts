// The CLI's loopback redirect (RFC 8252 §7.3): only the callback carrying the awaited state ends the sign-in;
// any other GET /callback (a web page making the browser call it) gets a plain 400 and the wait goes on.
import { createServer } from 'node:net';
import { expect, it } from 'vitest';
import { waitForLoopbackRedirect } from '../../main/services/launch/loopback-redirect';

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

it('answers 400 to callbacks with another state or none, and resolves on the awaited one', async () => {
  const port = await freePort();
  const waiting = waitForLoopbackRedirect((state) => state === 'the-awaited-state', port);
  const base = `http://127.0.0.1:${port}/callback`;
  const stray = await fetch(`${base}?code=x&state=forged`);
  expect(stray.status).toBe(400);
  const stateless = await fetch(`${base}?error=access_denied`);
  expect(stateless.status).toBe(400);
  const good = await fetch(`${base}?code=c1&state=the-awaited-state`);
  expect(good.status).toBe(200);
  await expect(waiting.callback).resolves.toBe(
    'http://127.0.0.1:47615/callback?code=c1&state=the-awaited-state',
  );
});
