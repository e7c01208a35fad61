// Compressed answers (Content-Encoding). Real FHIR servers compress when asked: a whole record is 15–20 times
// smaller gzipped, which on a paramedic's mobile signal is seconds against a minute. We offer the codings
// node:zlib decodes, and decode as the bytes arrive, so the body limits count what we would hold in memory
// (a small compressed "bomb" is stopped at the same limit as a large plain answer).
// undici has a decompress interceptor, but it is experimental (a process warning on every CLI run) and passes an
// unknown coding through as if it were plain.
import { pipeline, type Readable, type Transform } from 'node:stream';
import { constants, createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { cutOffFailure, FetchFailure } from './failure';

/** What every request offers, best first. */
export const ACCEPT_ENCODING = 'br, gzip, deflate';

/** Output pieces of 64 KB rather than zlib's 16 KB: a fifth of the chunks for a large page. */
const CHUNK_SIZE = 64 * 1024;

const DECODERS: Record<string, () => Transform> = {
  br: () => createBrotliDecompress({ chunkSize: CHUNK_SIZE }),
  gzip: () => createGunzip({ chunkSize: CHUNK_SIZE }),
  'x-gzip': () => createGunzip({ chunkSize: CHUNK_SIZE }),
  deflate: () => createInflate({ chunkSize: CHUNK_SIZE }),
};

/** As many codings stacked on one answer as we undo (curl and urllib3 stop at 5 for the same reason). */
const MAX_CODINGS = 5;

/** The codings applied, in the order the server applied them ("identity" is no coding). */
export function contentCodings(value: string | string[] | undefined): string[] {
  const joined = Array.isArray(value) ? value.join(',') : (value ?? '');
  return joined
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c && c !== 'identity');
}

/** The coding's name as a server sent it, when it is safe to repeat on screen. */
function named(coding: string): string {
  return /^[a-z0-9._-]{1,24}$/.test(coding) ? `“${coding}”` : 'an unknown way';
}

function failedDecoding(error: unknown): FetchFailure {
  // A compressed stream that ends early is a body cut off; anything else is one that was never valid.
  if ((error as { errno?: unknown }).errno === constants.Z_BUF_ERROR) return cutOffFailure(error);
  const message = 'sent a compressed answer that could not be decoded';
  return new FetchFailure('malformed', message, undefined, undefined, { cause: error });
}

/**
 * The body with the server's codings undone, piece by piece as it arrives. Stopping early (a limit reached)
 * destroys the raw body too, so the connection stops downloading.
 */
export async function* decodedBody(raw: Readable, codings: readonly string[]): AsyncGenerator<Uint8Array> {
  const unknown = codings.find((c) => !DECODERS[c]);
  if (unknown !== undefined || codings.length > MAX_CODINGS) {
    raw.destroy();
    throw new FetchFailure(
      'malformed',
      unknown !== undefined
        ? `sent its answer compressed in ${named(unknown)}, which this viewer cannot read`
        : `sent its answer compressed ${codings.length} times over`,
    );
  }
  let rawError: unknown;
  raw.once('error', (error) => (rawError = error));
  const decoders = [...codings].reverse().map((c) => DECODERS[c]!());
  const decoded = pipeline([raw, ...decoders], () => undefined) as unknown as Readable;
  try {
    for await (const chunk of decoded) yield chunk as Buffer;
  } catch (error) {
    // The connection's own failure (reset, aborted) passes through as it is.
    throw error === rawError || (error as { name?: string }).name === 'AbortError'
      ? error
      : failedDecoding(error);
  } finally {
    raw.destroy();
  }
}
