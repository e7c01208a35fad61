// Reads a response body with two limits counted as the bytes arrive: the cap for one response, and the
// source's memory budget shared by all its responses in flight. Past either, reading stops at once.
import { cutOffFailure, FetchFailure, sizeText } from './failure';
import type { MemoryBudget } from './memory-budget';
import { header, type TransportResponse } from './transport';

export interface BodyLimits {
  maxBytes: number;
  budget: MemoryBudget;
}

export interface HeldBody {
  bytes: Buffer;
  /** Bytes taken from the budget: give them back once the body has been digested. */
  held: number;
}

export function responseTooBig(maxBytes: number): FetchFailure {
  return new FetchFailure('oversize', `sent more than the ${sizeText(maxBytes)} limit for one response`);
}

export async function readBoundedBody(
  response: TransportResponse,
  limits: BodyLimits,
  signal: AbortSignal,
): Promise<HeldBody> {
  const declared = Number(header(response.headers, 'content-length'));
  if (declared > limits.maxBytes) {
    response.discard();
    throw responseTooBig(limits.maxBytes);
  }
  const chunks: Buffer[] = [];
  let received = 0;
  try {
    for await (const chunk of response.body) {
      received += chunk.byteLength;
      if (received > limits.maxBytes) throw responseTooBig(limits.maxBytes);
      if (!limits.budget.take(chunk.byteLength)) {
        throw new FetchFailure(
          'oversize',
          `sent more at once than the ${sizeText(limits.budget.limitBytes)} this viewer holds for one source`,
        );
      }
      chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    }
  } catch (error) {
    limits.budget.give(chunks.reduce((n, c) => n + c.byteLength, 0));
    if (signal.aborted) throw signal.reason;
    throw error instanceof FetchFailure ? error : cutOffFailure(error);
  }
  const held = received;
  if (Number.isFinite(declared) && received < declared) {
    limits.budget.give(held);
    throw cutOffFailure();
  }
  return { bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received), held };
}
