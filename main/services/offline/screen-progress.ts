// Progress as it goes to the screen, one event at a time. An update the screen cannot take, or a step that
// cannot be made (governing or merging the record so far threw), is reported for the log (the source it was
// about, never the patient) and stops no other update. A section whose update was lost says it may be
// incomplete until the record arrives, so it never reads as complete with less than has arrived.
import {
  CRITICAL_SECTIONS,
  FIRST_PAINTED_SECTIONS,
  screenGap,
  type RecordEvent,
  type SectionCompleteness,
  type SectionId,
  type WessexRecord,
} from '../../../common/record';
import { UrgentCareProgress } from '../record';

export const NOT_SHOWN_YET =
  'Not everything that has arrived could be shown yet: it will be once the whole record has loaded.';

/** A progress update the screen missed: for the log, which carries the source's id and the error's code. */
export interface ProgressSkipped {
  /** The source whose status it was (a section or a whole step is about the record). */
  sourceId?: string;
  error: unknown;
}

/** The urgent-care sections sent a turn after the first-painted ones. */
const LATER_SECTIONS = CRITICAL_SECTIONS.filter((s) => !FIRST_PAINTED_SECTIONS.has(s));

export class ScreenProgress {
  private readonly urgentCare: UrgentCareProgress;
  /** Per section, the completeness the screen last took. */
  private readonly shown = new Map<SectionId, SectionCompleteness>();

  constructor(
    private readonly requestId: string,
    private readonly emit: (event: RecordEvent) => void,
    /** The sections this user may see (the others say so, whatever arrives). */
    private readonly forRole: readonly SectionId[],
    private readonly onSkipped?: (skipped: ProgressSkipped) => void,
  ) {
    this.urgentCare = new UrgentCareProgress(requestId);
  }

  /** One event to the screen; false when the screen could not take it (reported, and its section held back). */
  send(event: RecordEvent): boolean {
    try {
      this.emit(event);
    } catch (error) {
      this.report(error, event.type === 'source' ? event.source.id : undefined);
      if (event.type === 'section') this.holdBack(event.section);
      return false;
    }
    if (event.type === 'section') this.shown.set(event.section, event.completeness);
    return true;
  }

  /**
   * A step's urgent-care sections: the resuscitation decisions, alerts and allergies now, the medicines and
   * problems when the caller runs what this returns (a turn later: see UrgentCareProgress). Neither throws.
   */
  urgentCareOf(record: WessexRecord): () => void {
    let delivery: ReturnType<UrgentCareProgress['deliveries']>;
    try {
      delivery = this.urgentCare.deliveries(record);
    } catch (error) {
      this.stepFailed(error);
      return () => undefined;
    }
    for (const event of delivery.first) this.send(event);
    return () => {
      let rest: RecordEvent[];
      try {
        rest = delivery.rest();
      } catch (error) {
        this.stepFailed(error, LATER_SECTIONS);
        return;
      }
      for (const event of rest) this.send(event);
    };
  }

  /**
   * A step that could not be made: the screen keeps what it had, and each of `sections` says that it may be
   * incomplete (a later step, or the record, shows what arrived).
   */
  stepFailed(error: unknown, sections: readonly SectionId[] = CRITICAL_SECTIONS): void {
    this.report(error);
    for (const section of sections) this.holdBack(section);
  }

  private holdBack(section: SectionId): void {
    // Whatever the screen has of it now, its next event carries the section's items in full.
    this.urgentCare.forget(section);
    // Not for this role, or not asked for: that does not change with what arrives.
    if (!this.forRole.includes(section) || this.shown.get(section)?.state === 'not-requested') return;
    const completeness: SectionCompleteness = { state: 'incomplete', gaps: [screenGap(NOT_SHOWN_YET)] };
    try {
      // No items: the screen keeps the ones it has, now said to be possibly incomplete.
      this.emit({ type: 'section', requestId: this.requestId, section, completeness });
      this.shown.set(section, completeness);
    } catch {
      // The screen cannot take even this (already reported): the record's answer replaces what it shows.
    }
  }

  private report(error: unknown, sourceId?: string): void {
    try {
      this.onSkipped?.({ ...(sourceId ? { sourceId } : {}), error });
    } catch {
      // A log that cannot be written ends nothing here.
    }
  }
}
