// A listener on a different origin (127.0.0.2 when the OS allows it) that the 'next-link-other-origin' fault
// points clients at. It answers with an empty Bundle and logs whether a token arrived: one never should.
import { LoopbackServer } from './http/loopback-server';

export async function startElsewhere(host: string): Promise<LoopbackServer> {
  const candidates = host === '127.0.0.1' ? ['127.0.0.2', host] : [host];
  let lastError: unknown;
  for (const candidate of candidates) {
    const server = new LoopbackServer({
      id: 'elsewhere',
      name: 'Another origin',
      host: candidate,
      basePath: '/',
      handler: async () => ({
        status: 200,
        body: { resourceType: 'Bundle', type: 'searchset', total: 0, entry: [] },
      }),
    });
    try {
      await server.start();
      return server;
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError instanceof Error ? lastError : new Error('could not start the other-origin listener');
}
