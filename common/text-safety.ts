// Text from other organisations' systems is shown as the characters it holds, in the order they were written:
// nothing in it may reorder, hide or restyle what a clinician reads ("Dose: <RLO> gm 005" must never read
// "Dose: 500 mg"). Cleaned once, where a field is read (`str` in ./json, which every reader of server text
// uses), so the screen, the handover and the command line all show the same words.

/**
 * Invisible format characters that reorder or hide text: the bidirectional embeddings, overrides and isolates
 * (U+202A–U+202E, U+2066–U+2069) and marks (LRM, RLM, ALM), the zero-width space, word joiner and invisible
 * operators (U+2060–U+2064), the deprecated format controls (U+206A–U+206F, which turn off mirroring and
 * digit shapes), the soft hyphen, the byte-order mark and the interlinear annotation controls. Zero-width
 * joiners and non-joiners (U+200C, U+200D) stay: Persian, Indic scripts and emoji need them, and they cannot
 * reorder anything. Plain right-to-left text (Arabic, Hebrew names) needs none of these: the browser lays it
 * out by itself.
 */
const FORMAT_CONTROL =
  /[\u00ad\u061c\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]/;
const FORMAT_CONTROLS = new RegExp(FORMAT_CONTROL.source, 'g');

/** The text without invisible format characters (the same string, not a copy, when it has none). */
export function withoutFormatControls(value: string): string {
  // Tested first: most text has none, and a test allocates nothing.
  return FORMAT_CONTROL.test(value) ? value.replace(FORMAT_CONTROLS, '') : value;
}

// Terminal control sequences, removed whole so their parameters are not printed either: CSI (ESC [ or C1 CSI,
// parameters, final byte), OSC, DCS, SOS, PM and APC strings with their terminator (BEL or ST), and two-byte
// escapes. An unterminated string loses only its introducer: the words after it are still shown.
const ESCAPE_SEQUENCES =
  // eslint-disable-next-line no-control-regex
  /(?:\u001b\[|\u009b)[0-?]*[ -/]*[@-~]|(?:\u001b[\]PX^_]|[\u0090\u0098\u009d-\u009f])[^\u0007\u001b\u0090\u0098\u009b-\u009f]*(?:\u0007|\u001b\\|\u009c)|\u001b[ -~]?/g;
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

/**
 * Server text on a terminal, as one line: no escape sequences (which could retitle the window, recolour or
 * hide what follows, or worse), no control characters (a line break or carriage return could forge a line of
 * the viewer's own output) and no format characters that reorder text.
 */
export function terminalText(value: string): string {
  return terminalLine(value).trim();
}

/** Text someone else wrote as one plain line (a notification, a stored reason): cleaned as terminalText, runs
 * of spaces made one. */
export function plainLine(value: string): string {
  return terminalText(value).replace(/\s+/g, ' ');
}

/**
 * A message of several lines for a terminal (one of the viewer's own that may quote a server): each line
 * cleaned as terminalText, its indentation kept.
 */
export function terminalLines(value: string): string {
  return value
    .split(/\r?\n/)
    .map((line) => terminalLine(line).trimEnd())
    .join('\n');
}

function terminalLine(value: string): string {
  return withoutFormatControls(value).replace(ESCAPE_SEQUENCES, '').replace(CONTROLS, ' ');
}
