// A result's abnormal flag as a tag, with why when the viewer derived it (no flag from the source).
import type { AbnormalFlag } from '../../../common/summary';

const FLAG_LABEL = { high: 'High', low: 'Low', abnormal: 'Abnormal', critical: 'Critical' } as const;

export function ResultFlag({ flag, derived }: { flag?: AbnormalFlag; derived?: string }) {
  if (!flag) return null;
  return (
    <>
      <strong className="wx-tag wx-tag--warn">{FLAG_LABEL[flag]}</strong>
      {derived && <span className="wx-muted wx-block">{derived}</span>}
    </>
  );
}
