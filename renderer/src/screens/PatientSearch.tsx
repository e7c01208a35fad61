// Find a patient without their NHS number: family name and date of birth (given name and postcode narrow it),
// searched in every directory main is configured with. Each match shows enough to choose safely; opening one is
// the same as opening by NHS number. The list says when a directory did not answer, so "no match" is never
// claimed unless every directory was searched.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { londonDate } from '../../../common/london-date';
import { formatNhsNumber } from '../../../common/nhs-number';
import {
  dateOfBirthFrom,
  NAME_MAX,
  PATIENT_SEARCH_LIMIT,
  PERSON_NAME,
  POSTCODE,
  type PatientMatch,
  type PatientSearchQuery,
  type PatientSearchResult,
} from '../../../common/patient-search';
import { formatDate } from '../../../common/summary';
import { errorMessage, invoke } from '../bridge';

type Field = 'family' | 'given' | 'dob' | 'postcode';
type Errors = Partial<Record<Field, string>>;

const FIELD_ORDER: Field[] = ['family', 'given', 'dob', 'postcode'];

function nameProblem(value: string, label: string, required: boolean): string | undefined {
  if (!value) return required ? `Enter their ${label}` : undefined;
  if (value.length > NAME_MAX) return `${capitalise(label)} must be ${NAME_MAX} characters or fewer`;
  if (!PERSON_NAME.test(value))
    return `${capitalise(label)} must only include letters, spaces, hyphens and apostrophes`;
  return undefined;
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The question as main takes it, or what is wrong with each field (NHS design-system wording). */
function validate(form: {
  family: string;
  given: string;
  dob: { day: string; month: string; year: string };
  postcode: string;
}): { query: PatientSearchQuery } | { errors: Errors } {
  const [family, given, postcode] = [form.family.trim(), form.given.trim(), form.postcode.trim()];
  const errors: Errors = {};
  const familyProblem = nameProblem(family, 'family name', true);
  if (familyProblem) errors.family = familyProblem;
  const givenProblem = nameProblem(given, 'given name', false);
  if (givenProblem) errors.given = givenProblem;
  const dob = dateOfBirthFrom(form.dob, londonDate(new Date()));
  if ('problem' in dob) errors.dob = dob.problem;
  if (postcode && !POSTCODE.test(postcode))
    errors.postcode = 'Enter a real postcode, or its first part, like BH24 or BH24 7UW';
  if (Object.keys(errors).length || 'problem' in dob) return { errors };
  return {
    query: {
      family,
      birthDate: dob.birthDate,
      ...(given ? { given } : {}),
      ...(postcode ? { postcode } : {}),
    },
  };
}

function ErrorText({ id, text }: { id: string; text: string | undefined }) {
  if (!text) return null;
  return (
    <span className="nhsuk-error-message" id={id}>
      <span className="nhsuk-u-visually-hidden">Error:</span> {text}
    </span>
  );
}

function groupClass(error: string | undefined): string {
  return error ? 'nhsuk-form-group nhsuk-form-group--error' : 'nhsuk-form-group';
}

/** A name box in NHS style: label, its error, the input (names are not spell-checked or filled in). */
function NameField({
  id,
  label,
  value,
  error,
  onChange,
}: {
  id: string;
  label: string;
  value: string;
  error: string | undefined;
  onChange: (value: string) => void;
}) {
  return (
    <div className={groupClass(error)}>
      <label className="nhsuk-label" htmlFor={id}>
        {label}
      </label>
      <ErrorText id={`${id}-error`} text={error} />
      <input
        className={`nhsuk-input wx-input--name${error ? ' nhsuk-input--error' : ''}`}
        id={id}
        autoComplete="off"
        spellCheck={false}
        value={value}
        aria-describedby={error ? `${id}-error` : undefined}
        onChange={(e) => onChange(e.target.value)}
      />
    </div>
  );
}

export function PatientSearch({ onOpen }: { onOpen: (nhsNumber: string, name?: string) => void }) {
  const [family, setFamily] = useState('');
  const [given, setGiven] = useState('');
  const [dob, setDob] = useState({ day: '', month: '', year: '' });
  const [postcode, setPostcode] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState<string>();
  const [found, setFound] = useState<{ query: PatientSearchQuery; result: PatientSearchResult }>();
  // Each refused attempt moves focus to the error summary, as the NHS design system asks.
  const [refused, setRefused] = useState(0);
  const summaryRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (refused) summaryRef.current?.focus();
  }, [refused]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const checked = validate({ family, given, dob, postcode });
    if ('errors' in checked) {
      setErrors(checked.errors);
      setRefused((n) => n + 1);
      return;
    }
    setErrors({});
    setFailed(undefined);
    setBusy(true);
    invoke('patient:search', checked.query).then(
      (result) => {
        setBusy(false);
        setFound({ query: checked.query, result });
      },
      (err: unknown) => {
        setBusy(false);
        setFound(undefined);
        setFailed(errorMessage(err));
      },
    );
  };

  const problems = FIELD_ORDER.flatMap((f) => (errors[f] ? [errors[f]] : []));
  const dateField = (key: 'day' | 'month' | 'year', label: string, width: string) => (
    <div className="nhsuk-date-input__item">
      <div className="nhsuk-form-group">
        <label className="nhsuk-label nhsuk-date-input__label" htmlFor={`search-dob-${key}`}>
          {label}
        </label>
        <input
          className={`nhsuk-input nhsuk-date-input__input ${width}${errors.dob ? ' nhsuk-input--error' : ''}`}
          id={`search-dob-${key}`}
          inputMode="numeric"
          autoComplete="off"
          value={dob[key]}
          onChange={(e) => setDob((d) => ({ ...d, [key]: e.target.value }))}
        />
      </div>
    </div>
  );

  return (
    <section aria-labelledby="h-name-search" className="wx-patient-search" data-testid="patient-search">
      <h2 id="h-name-search">Search by name and date of birth</h2>
      <p className="wx-muted">
        When you do not have the NHS number. Searches the regional care records and, where your sign-in
        allows, your clinical system.
      </p>
      {problems.length > 0 && (
        <div
          className="nhsuk-error-summary"
          role="alert"
          aria-labelledby="search-error-title"
          tabIndex={-1}
          ref={summaryRef}
        >
          <h3 className="nhsuk-error-summary__title" id="search-error-title">
            There is a problem
          </h3>
          <ul className="nhsuk-list nhsuk-error-summary__list">
            {problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </div>
      )}
      <form onSubmit={submit} noValidate>
        <NameField
          id="search-family"
          label="Family name (surname)"
          value={family}
          error={errors.family}
          onChange={setFamily}
        />
        <NameField
          id="search-given"
          label="Given name (optional)"
          value={given}
          error={errors.given}
          onChange={setGiven}
        />
        <div className={groupClass(errors.dob)}>
          <fieldset
            className="nhsuk-fieldset"
            role="group"
            aria-describedby={errors.dob ? 'search-dob-hint search-dob-error' : 'search-dob-hint'}
          >
            <legend className="nhsuk-fieldset__legend nhsuk-label">Date of birth</legend>
            <div className="nhsuk-hint" id="search-dob-hint">
              For example, 2 11 1936
            </div>
            <ErrorText id="search-dob-error" text={errors.dob} />
            <div className="nhsuk-date-input">
              {dateField('day', 'Day', 'nhsuk-input--width-2')}
              {dateField('month', 'Month', 'nhsuk-input--width-2')}
              {dateField('year', 'Year', 'nhsuk-input--width-4')}
            </div>
          </fieldset>
        </div>
        <div className={groupClass(errors.postcode)}>
          <label className="nhsuk-label" htmlFor="search-postcode">
            Postcode (optional)
          </label>
          <div className="nhsuk-hint" id="search-postcode-hint">
            All of it, or the first part, like BH24
          </div>
          <ErrorText id="search-postcode-error" text={errors.postcode} />
          <input
            className={`nhsuk-input nhsuk-input--width-10${errors.postcode ? ' nhsuk-input--error' : ''}`}
            id="search-postcode"
            autoComplete="off"
            value={postcode}
            aria-describedby={
              errors.postcode ? 'search-postcode-hint search-postcode-error' : 'search-postcode-hint'
            }
            onChange={(e) => setPostcode(e.target.value)}
          />
        </div>
        <button type="submit" className="nhsuk-button" disabled={busy}>
          {busy ? 'Searching…' : 'Find matching patients'}
        </button>
      </form>
      <div aria-live="polite">
        {failed && (
          <p className="wx-error" role="alert">
            {failed}
          </p>
        )}
        {found && <SearchResults query={found.query} result={found.result} onOpen={onOpen} />}
      </div>
    </section>
  );
}

function describeQuery(query: PatientSearchQuery): string {
  return [
    [query.given, query.family].filter(Boolean).join(' '),
    `born ${formatDate(query.birthDate)}`,
    query.postcode ? `postcode ${query.postcode.toUpperCase()}` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
}

function SearchResults({
  query,
  result,
  onOpen,
}: {
  query: PatientSearchQuery;
  result: PatientSearchResult;
  onOpen: (nhsNumber: string, name?: string) => void;
}) {
  const unanswered = result.directories.filter((d) => d.state === 'failed' || d.state === 'partial');
  const notSearched = result.directories.filter((d) => d.state === 'not-searched');
  const searched = result.directories.filter((d) => d.state !== 'not-searched').map((d) => d.name);
  return (
    <div data-testid="patient-search-results">
      {!result.complete && (
        <div className="wx-notice wx-notice--warning" data-testid="patient-search-incomplete">
          <p>
            <strong>Not every record was searched.</strong> Someone held only there is not listed:
          </p>
          <ul>
            {unanswered.map((d) => (
              <li key={d.id}>
                <bdi>{d.message ?? d.name}</bdi>
              </li>
            ))}
          </ul>
        </div>
      )}
      {notSearched.map((d) => (
        <p key={d.id} className="wx-muted" data-testid="patient-search-not-searched">
          <bdi>{d.name}</bdi> was not searched: <bdi>{d.message}</bdi>.
        </p>
      ))}
      {result.tooMany && (
        <p className="wx-notice wx-notice--warning" data-testid="patient-search-too-many">
          More than {PATIENT_SEARCH_LIMIT} matches: add the postcode or given name to narrow the search.
        </p>
      )}
      {result.matches.length === 0 ? (
        <p className="wx-notice" data-testid="patient-search-none">
          {result.complete
            ? `No patient matches ${describeQuery(query)} in ${searched.join(', ')}. Check the spelling and date of birth.`
            : `No patient matches ${describeQuery(query)} in the records that answered. This does not mean there is none.`}
        </p>
      ) : (
        <table className="nhsuk-table wx-table wx-table--patients" data-testid="patient-search-table">
          <caption className="nhsuk-table__caption">
            {result.matches.length} {result.matches.length === 1 ? 'patient matches' : 'patients match'}{' '}
            {describeQuery(query)}
          </caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Date of birth</th>
              <th scope="col" className="wx-col-sex">
                Sex
              </th>
              <th scope="col">NHS number</th>
              <th scope="col">Address</th>
              <th scope="col">Registered GP</th>
              <th scope="col">Held by</th>
              <th scope="col">
                <span className="nhsuk-u-visually-hidden">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {result.matches.map((m, i) => (
              <MatchRow key={m.nhsNumber ?? `unopenable-${i}`} match={m} onOpen={onOpen} />
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function MatchRow({
  match: m,
  onOpen,
}: {
  match: PatientMatch;
  onOpen: (nhsNumber: string, name?: string) => void;
}) {
  return (
    <tr>
      <td>
        <bdi>{m.name}</bdi>
        {m.deceased && (
          <strong className="wx-block">Died{m.deceased.date ? ` ${formatDate(m.deceased.date)}` : ''}</strong>
        )}
        {m.disagreements.map((d) => (
          <span key={d} className="wx-block wx-conflict">
            Records differ: <bdi>{d}</bdi>
          </span>
        ))}
      </td>
      <td className="wx-nowrap">{m.birthDate ? formatDate(m.birthDate) : 'Not recorded'}</td>
      <td>
        <bdi>{m.sex ? capitalise(m.sex) : 'Not recorded'}</bdi>
      </td>
      <td className="wx-nowrap">{m.nhsNumber ? formatNhsNumber(m.nhsNumber) : 'None valid'}</td>
      <td>
        <bdi>{m.address ?? 'Not recorded'}</bdi>
      </td>
      <td>
        <bdi>{m.registeredGp ?? 'Not recorded'}</bdi>
      </td>
      <td>
        <bdi>{m.heldBy.join(', ')}</bdi>
      </td>
      <td className={m.nhsNumber ? 'wx-nowrap' : undefined}>
        {m.nhsNumber ? (
          <button
            type="button"
            className="nhsuk-button nhsuk-button--secondary nhsuk-button--small"
            onClick={() => onOpen(m.nhsNumber!, m.name)}
          >
            Open record<span className="nhsuk-u-visually-hidden"> for {m.name}</span>
          </button>
        ) : (
          <span className="wx-muted">
            <bdi>{m.cannotOpen}</bdi>
          </span>
        )}
      </td>
    </tr>
  );
}
