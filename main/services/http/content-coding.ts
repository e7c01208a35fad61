// Compressed answers (Content-Encoding). Real FHIR servers compress when asked: a whole record is 15–20 times
// smaller gzipped, which on a paramedic's mobile signal is seconds against a minute. We offer brotli and gzip
// (node:zlib), and decode as the bytes arrive, so the body limits count what we would hold in memory
// (a small compressed "bomb" is stopped at the same limit as a large plain answer).
// undici has a decompress interceptor, but it is experimental (a process warning on every CLI run) and passes an
// unknown coding through as if it were plain.
import { pipeline, Transform, type Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { cutOffFailure, FetchFailure } from './failure';

/**
 * What every request offers, best first. Not deflate: servers disagree on what it means (zlib-wrapped or raw),
 * though an answer that uses it unasked is still read when zlib-wrapped, as the standard says it must be.
 */
export const ACCEPT_ENCODING = 'br, gzip';

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
  if ((error as { code?: unknown }).code === 'Z_BUF_ERROR') return cutOffFailure(error);
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
  // Whichever stream fails first is where the failure began: the pipeline then ends the others with it.
  let began: 'connection' | 'decoding' | undefined;
  raw.once('error', () => (began ??= 'connection'));
  let compressedBytes = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      compressedBytes += chunk.length;
      done(null, chunk);
    },
  });
  const decoders = [...codings].reverse().map((c) => DECODERS[c]!());
  for (const decoder of decoders) decoder.once('error', () => (began ??= 'decoding'));
  const decoded = pipeline([raw, counted, ...decoders], () => undefined) as unknown as Readable;
  try {
    for await (const chunk of decoded) yield chunk as Buffer;
  } catch (error) {
    // An empty body is empty whatever coding it names (a 200 to a DELETE, say).
    if (began === 'decoding' && compressedBytes === 0 && raw.readableEnded) return;
    // The connection's own failure (reset, aborted) passes through as it is.
    throw began === 'decoding' ? failedDecoding(error) : error;
  } finally {
    raw.destroy();
  }
}
