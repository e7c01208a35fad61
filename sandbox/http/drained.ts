// Waiting for a slow reader: a server writing more than the socket takes goes on once it has drained, or stops
// waiting when the client has gone.
import type { Writable } from 'node:stream';

/** Resolves at `drain` or `close`, whichever comes first, leaving no listener behind on the stream. */
export function drainedOrClosed(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.once('drain', done);
    stream.once('close', done);
  });
}
