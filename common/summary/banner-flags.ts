// The flags the patient banner always shows: resuscitation status, allergies, and the alerts a clinician
// must know before they walk in. Each says when its section is not yet complete: rather than "none", and
// beside what it does show (a source that is down may hold a newer DNACPR than the "For CPR" shown).
import type { RecordCompleteness, SectionId } from '../record';
import type { AlertEntry, AllergySummary, ResuscitationCard } from './clinical-sections';
import { formatDate } from './dates';
import type { HospitalActivity } from './hospital-activity';

export interface BannerFlag {
  /** The section the flag opens. */
  section: SectionId;
  text: string;
  tone: 'alert' | 'info' | 'unknown';
}

/**
 * Why a flag cannot say "none": withheld from this user, never asked for, a source still reading, or one that
 * did not answer in full.
 */
function notShown(state: RecordCompleteness[SectionId]['state']): string {
  if (state === 'withheld') return 'not available to you';
  if (state === 'not-requested') return 'regional records not searched';
  if (state === 'loading') return 'still loading';
  return 'record not complete';
}

/** "Penicillin, Latex, Codeine and 2 more": a banner line, not the list. */
function namedFew(names: string[]): string {
  const shown = names.slice(0, 3).join(', ');
  return names.length > 3 ? `${shown} and ${names.length - 3} more` : shown;
}

const WARNING_ALERTS = new Set(['Safeguarding', 'Risk to staff', 'Scene safety']);

export function bannerFlags(
  model: {
    resuscitation: ResuscitationCard;
    allergies: AllergySummary;
    alerts: AlertEntry[];
    hospital?: HospitalActivity;
  },
  completeness: RecordCompleteness,
): BannerFlag[] {
  const complete = (s: SectionId) => completeness[s].state === 'complete';
  const unsure = (s: SectionId) => (complete(s) ? '' : ` (${notShown(completeness[s].state)})`);
  const flags: BannerFlag[] = [];
  const stay = model.hospital?.inHospital;
  if (stay) {
    const since = stay.start ? `, since ${formatDate(stay.start)}` : '';
    flags.push({ section: 'encounters', text: `In hospital now (${stay.where}${since})`, tone: 'alert' });
  }
  const decision = model.resuscitation.decision;
  if (decision) {
    flags.push({
      section: 'advanceCare',
      text: `${decision.label}${model.resuscitation.conflict ? ' (sources disagree)' : ''}${unsure('advanceCare')}`,
      // "For CPR" is never shown as settled while a source that could hold a DNACPR has not answered.
      tone: decision.status !== 'for-cpr' ? 'alert' : complete('advanceCare') ? 'info' : 'unknown',
    });
  } else {
    flags.push({
      section: 'advanceCare',
      text: complete('advanceCare')
        ? 'No CPR decision recorded'
        : `CPR status: ${notShown(completeness.advanceCare.state)}`,
      tone: complete('advanceCare') ? 'info' : 'unknown',
    });
  }
  const { allergies, noKnownAllergies } = model.allergies;
  const allergyText =
    allergies.length > 0
      ? `${allergies.length} ${allergies.length === 1 ? 'allergy' : 'allergies'}: ${namedFew(allergies.map((a) => a.substance))}${unsure('allergies')}`
      : !complete('allergies')
        ? `Allergies: ${notShown(completeness.allergies.state)}`
        : noKnownAllergies.length > 0
          ? 'No known allergies'
          : 'Allergies: none recorded';
  flags.push({
    section: 'allergies',
    text: allergyText,
    tone: allergies.length > 0 ? 'alert' : complete('allergies') ? 'info' : 'unknown',
  });
  const warnings = [...new Set(model.alerts.map((a) => a.kind).filter((k) => WARNING_ALERTS.has(k)))];
  if (warnings.length)
    flags.push({ section: 'alerts', text: `${warnings.join(', ')}${unsure('alerts')}`, tone: 'alert' });
  return flags;
}
