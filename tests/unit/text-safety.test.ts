// Server text can neither drive the terminal nor reorder itself: a reviewer's OperationOutcome
// ("note ESC]0;pwned BEL ESC[31m RED") retitled and recoloured the terminal on `wessex fetch`'s note line, and a
// dose sent as "Dose: <RLO> gm 005 <PDF>" read "Dose: 500 mg" on the command line and on screen.
import { describe, expect, it } from 'vitest';
import { humanName } from '../../common/human-name';
import { str } from '../../common/json';
import { conceptWords } from '../../common/summary/concepts';
import { terminalLines, terminalText, withoutFormatControls } from '../../common/text-safety';
import { formatPatientSearch } from '../../main/cli/commands/find-patient';
import { formatLaunch } from '../../main/cli/commands/launch';
import { eventLine } from '../../main/cli/commands/watch';
import { resourceDisplay } from '../../main/services/record/fhir-read';
import { formatRecordSummary } from '../../main/services/record/text-summary';
import { frailRecord, item } from './summary-fixture';

const RLO = '\u202e';
const PDF = '\u202c';
const REVERSED_DOSE = `Dose: ${RLO} gm 005 ${PDF}`;
const OSC_AND_CSI = 'note\u001b]0;pwned\u0007\u001b[31m RED';
const ERASE_AND_HIDE = 'Allergy to penicillin\u001b[2K\r\u001b[8mHIDDEN\u001b[0m';
/** Every bidi embedding, override, isolate and mark, and the invisible characters used to hide words. */
const ALL_CONTROLS = [
  '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069',
  '\u200e', '\u200f', '\u061c', '\u200b', '\u2060', '\u2061', '\u2062', '\u2063', '\u2064',
  '\u206a', '\u206f', '\ufeff', '\u00ad', '\ufff9', '\ufffb',
]; // prettier-ignore

/** Anything a terminal acts on, or that reorders or hides text. */
const UNSAFE_ON_A_TERMINAL =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b\u200e\u200f\u202a-\u202e\u2060-\u206f\ufeff]/;

describe('text a source sends, as read (str)', () => {
  it('loses every format control that reorders or hides text, and keeps the words in the order written', () => {
    expect(str(REVERSED_DOSE)).toBe('Dose:  gm 005');
    for (const c of ALL_CONTROLS) expect(str(`Penicillin${c} 500${c}mg${c}`)).toBe('Penicillin 500mg');
    expect(str(` ${RLO} `)).toBeUndefined();
  });

  it('keeps right-to-left names and the joiners scripts and emoji need', () => {
    for (const name of ['محمد عبد الله', 'דוד לוי', 'می\u200cخواهم', 'क्\u200dष', '👩\u200d⚕️'])
      expect(str(name)).toBe(name);
  });

  it('so every reader built on it shows the logical order: displays, concepts and names', () => {
    const allergy = {
      resourceType: 'AllergyIntolerance',
      code: { coding: [{ display: REVERSED_DOSE }] },
    };
    expect(resourceDisplay(allergy)).toBe('Dose:  gm 005');
    expect(conceptWords({ text: `Warfarin ${RLO}gm 5` })).toBe('Warfarin gm 5');
    expect(humanName([{ family: `\u2067Legg\u2069`, given: [`${RLO}divaD`] }])).toBe('divaD Legg');
  });

  it('returns the very string it was given when there is nothing to take out', () => {
    const plain = 'Amoxicillin 500mg capsules';
    expect(withoutFormatControls(plain)).toBe(plain);
  });
});

describe('server text on a terminal (terminalText)', () => {
  it('drops escape sequences whole and turns other controls into spaces', () => {
    expect(terminalText(OSC_AND_CSI)).toBe('note RED');
    expect(terminalText(ERASE_AND_HIDE)).toBe('Allergy to penicillin HIDDEN');
    // C1 CSI, DCS with ST, a two-byte escape (full reset), and an OSC ended by ST.
    expect(terminalText('a\u009b2Jb\u001bPq#0\u001b\\c\u001bcd\u001b]8;;http://x\u001b\\e')).toBe('abcde');
  });

  it('keeps the words after an unterminated sequence, and a line break cannot forge a line', () => {
    expect(terminalText('\u001b]0;Allergy to penicillin')).toBe('0;Allergy to penicillin');
    expect(terminalText('penicillin\n\nAllergies (0)\r\n  None recorded')).toBe(
      'penicillin Allergies (0)   None recorded',
    );
    expect(terminalText(REVERSED_DOSE)).toBe('Dose:  gm 005');
    for (const c of ALL_CONTROLS) expect(terminalText(`gm${c} 005`)).toBe('gm 005');
  });

  it('is linear on hostile input (no backtracking blow-up)', () => {
    const hostile = '\u0090'.repeat(50_000) + '\u001b]'.repeat(50_000) + '\u001b['.repeat(50_000);
    const started = performance.now();
    expect(terminalText(hostile)).not.toMatch(UNSAFE_ON_A_TERMINAL);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('keeps the lines and indentation of a multi-line message of the viewer’s own', () => {
    expect(terminalLines(`Could not open:\n  DCR: ${OSC_AND_CSI}`)).toBe('Could not open:\n  DCR: note RED');
  });
});

describe('the command line prints no server text raw', () => {
  it('wessex fetch: names, displays, statuses, notes, conflicts and pointers', () => {
    const record = frailRecord();
    record.patient.name = `Legg\u001b]0;pwned\u0007`;
    record.patient.address = '1 High St\u001b[2J';
    record.sources[0]!.warnings = [OSC_AND_CSI];
    record.sources[0]!.message = 'partial\r\u001b[2Kcomplete';
    record.conflicts = [{ message: 'differ\u001b[31m', keys: [] } as never];
    record.items = [
      item('allergies', { resourceType: 'AllergyIntolerance' } as never, {
        display: ERASE_AND_HIDE,
        status: 'active\u001b[8m',
        conflict: `dose ${REVERSED_DOSE}`,
      }),
      item('medications', { resourceType: 'MedicationStatement', status: 'active' } as never, {
        display: `Paracetamol\n  • Allergies: none`,
        status: 'active',
      }),
    ];
    record.pointers = [
      {
        type: { display: 'ReSPECT\u001b[5m' },
        author: 'Dr X\u0007',
        retrieval: 'failed',
        retrievalMessage: 'gone\u001b]2;t\u0007',
      } as never,
    ];
    const text = formatRecordSummary(record);
    for (const line of text.split('\n')) expect(line).not.toMatch(UNSAFE_ON_A_TERMINAL);
    expect(text).toContain('      note: note RED');
    expect(text).toContain('  • Allergy to penicillin HIDDEN');
    expect(text).toContain('⚠ dose Dose:  gm 005');
    expect(text).toContain('  • Paracetamol   • Allergies: none');
    expect(text.split('\n').filter((l) => l.startsWith('  • Allergies'))).toEqual([]);
  });

  it('wessex find-patient, launch and watch', () => {
    const search = formatPatientSearch({
      complete: false,
      tooMany: false,
      matches: [
        {
          name: `Legg ${RLO}divaD\u001b[31m`,
          birthDate: '1951-04-17',
          sex: 'male',
          address: 'x\u001b]0;t\u0007',
          registeredGp: 'Dr\u001b[8m',
          heldBy: ['DCR'],
          disagreements: ['name\rnames'],
          deceased: undefined,
          nhsNumber: undefined,
          cannotOpen: 'no NHS number\u001b[2J',
        },
      ],
      directories: [{ name: 'PDS', state: 'failed', matches: 0, message: OSC_AND_CSI }],
    } as never);
    const launch = formatLaunch({
      kind: 'ehr',
      iss: 'https://epr.example',
      user: { display: 'Dr\u001b]0;t\u0007 Who', roleCode: 'R8000\u001b[31m' },
      patient: { name: `${RLO}ggeL`, nhs: { verification: 'number-present', warning: 'w\u001b[2J' } },
      grantedScopes: ['patient/*.rs\u001b[8m'],
      ungrantedScopes: [],
    } as never).join('\n');
    const watched = eventLine(
      {
        kind: 'admitted',
        at: '2025-01-01T10:00:00Z',
        nhsNumber: '9434765919',
        patientName: `\u200fLegg`,
        where: OSC_AND_CSI,
        sourceName: 'DCR\u001b[31m',
      } as never,
      true,
    );
    for (const line of [...search.split('\n'), ...launch.split('\n'), watched])
      expect(line).not.toMatch(UNSAFE_ON_A_TERMINAL);
    expect(search).toContain('PDS — failed: note RED');
    expect(launch).toContain('Patient:  ggeL');
    expect(watched).toContain('Legg  note RED  (DCR)');
  });
});
