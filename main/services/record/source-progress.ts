// What happened while reading one source, and how that ends up on its status line.
import { refusalWords } from '../../../common/access-refusal';
import type { SourceKind, SourceState, SourceStatus } from '../../../common/record';
import { asFetchFailure, PartialReadFailure, type FetchFailure } from '../http';

export interface EngineSource {
  id: string;
  name: string;
  fhirBase: string;
}

export class SourceProgress {
  resourceCount = 0;
  succeeded = 0;
  incomplete = false;
  readonly warnings: string[] = [];
  readonly failures: FetchFailure[] = [];
  /** Resource types whose read failed or stopped early; `wholeSource` when a failure was not about one type. */
  private readonly incompleteLabels = new Set<string>();
  private wholeSource = false;
  /** A decided outcome that overrides the tally (patient not known, ambiguous identity, locate failed). */
  decided?: { state: SourceState; message?: string };

  constructor(
    readonly source: EngineSource,
    readonly kind: SourceKind,
  ) {}

  /**
   * Runs one read of one resource type (`label`); a failure is recorded (with any pages already read counting
   * as delivered).
   */
  async attempt<T>(read: () => Promise<T>, label?: string): Promise<T | undefined> {
    try {
      const value = await read();
      this.succeeded++;
      return value;
    } catch (error) {
      this.fail(error, label);
      return undefined;
    }
  }

  fail(error: unknown, label?: string): void {
    const failure = asFetchFailure(error);
    if (failure instanceof PartialReadFailure) this.incomplete = true;
    this.failures.push(failure);
    this.noteIncomplete(label);
  }

  /** A read that ended without every page (page cap, a bad page): only `label`'s sections are in doubt. */
  markIncomplete(label?: string): void {
    this.incomplete = true;
    this.noteIncomplete(label);
  }

  private noteIncomplete(label: string | undefined): void {
    if (label) this.incompleteLabels.add(label);
    else this.wholeSource = true;
  }

  warn(texts: string[]): void {
    for (const t of texts) if (!this.warnings.includes(t)) this.warnings.push(t);
  }

  status(state: SourceState, fetchedAt?: string, message?: string): SourceStatus {
    const status: SourceStatus = {
      id: this.source.id,
      name: this.source.name,
      kind: this.kind,
      baseUrl: this.source.fhirBase,
      state,
      resourceCount: this.resourceCount,
      warnings: [...this.warnings],
    };
    if (message) status.message = message;
    if (fetchedAt) status.fetchedAt = fetchedAt;
    // The source refused this user (its own policy): said in the clinician's words, and withheld, not failed.
    const refusal = state !== 'complete' ? this.failures.find((f) => f.refusal)?.refusal : undefined;
    if (refusal) {
      status.refusal = refusal;
      status.message = refusalWords(refusal, this.source.name);
    }
    return status;
  }

  /** complete / partial / failed from what succeeded and what did not. */
  final(fetchedAt: string): SourceStatus {
    if (this.decided) return this.status(this.decided.state, fetchedAt, this.decided.message);
    const reasons = [...new Set(this.failures.map((f) => f.message))];
    if (reasons.length === 0 && !this.incomplete) return this.status('complete', fetchedAt);
    const delivered = this.succeeded > 0 || this.resourceCount > 0;
    const message = reasons.length
      ? `${this.source.name} ${reasons.join('; ')}`
      : this.warnings.join('; ') || `${this.source.name} did not return everything`;
    const status = this.status(delivered ? 'partial' : 'failed', fetchedAt, message);
    if (delivered && !this.wholeSource && this.incompleteLabels.size) {
      status.incompleteTypes = [...this.incompleteLabels].sort();
    }
    return status;
  }
}
