import { useMemo } from 'react';
import { sanitiseNarrative } from '../sanitise';

/** A sanitised HTML narrative (FHIR text.div or an HTML letter). */
export function Narrative({ html, label }: { html: string; label: string }) {
  const clean = useMemo(() => sanitiseNarrative(html), [html]);
  return (
    <div className="wx-narrative" aria-label={label} role="document" data-testid="narrative">
      <div dangerouslySetInnerHTML={{ __html: clean }} />
    </div>
  );
}
