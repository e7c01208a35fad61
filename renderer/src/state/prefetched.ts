// Answers asked of main ahead of the click that needs them (the results view's charts and first rows, once the
// summary has painted), so the view draws them in the click's own frame rather than a round trip after it.
// Each answer is taken once, by the first view asking the same question: a later view asks afresh.
import { canonicalJson } from '../../../common/canonical-json';
import type { BridgeArgs, BridgeChannel, BridgeResults } from '../../../preload/contract';
import { invoke } from '../bridge';

interface Held {
  answer: Promise<unknown>;
  arrived?: { value: unknown };
}

let heldFor: string | undefined;
const held = new Map<string, Held>();

/**
 * The same question whatever order its arguments were written in. (Not JSON.stringify with the sorted keys as
 * its replacer list: that list also filters nested objects' keys, and CI's Node once wrote the keys unsorted.)
 */
const questionKey = (channel: BridgeChannel, args: object) => `${channel} ${canonicalJson(args)}`;

/** Asks now, for the opened record `requestId`; answers held for another record are let go. */
export function prefetch<C extends BridgeChannel>(requestId: string, channel: C, args: BridgeArgs<C>): void {
  if (heldFor !== requestId) held.clear();
  heldFor = requestId;
  const key = questionKey(channel, args);
  if (held.has(key)) return;
  const entry: Held = { answer: invoke(channel, args) };
  entry.answer.then(
    (value) => (entry.arrived = { value }),
    // Not kept: the view asks again when it opens (a view that took it already shows the failure).
    () => held.get(key) === entry && held.delete(key),
  );
  held.set(key, entry);
}

/** The answer asked for ahead if it has already come (taken), for a view's first render. */
export function takeArrived<C extends BridgeChannel>(
  channel: C,
  args: BridgeArgs<C>,
): BridgeResults[C] | undefined {
  const key = questionKey(channel, args);
  const arrived = held.get(key)?.arrived;
  if (!arrived) return undefined;
  held.delete(key);
  return arrived.value as BridgeResults[C];
}

/** The answer asked for ahead (taken), whether or not it has come; else asks now. */
export function invokePrefetched<C extends BridgeChannel>(
  channel: C,
  args: BridgeArgs<C>,
): Promise<BridgeResults[C]> {
  const key = questionKey(channel, args);
  const entry = held.get(key);
  if (!entry) return invoke(channel, args);
  held.delete(key);
  return entry.answer as Promise<BridgeResults[C]>;
}

/** Lets every held answer go (the record screen closed: nothing of the patient's is kept for nothing). */
export function forgetPrefetched(): void {
  held.clear();
  heldFor = undefined;
}
