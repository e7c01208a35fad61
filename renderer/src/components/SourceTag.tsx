export function SourceTag({ sources }: { sources: string[] }) {
  return <span className="wx-source">{sources.length ? sources.join(' · ') : 'Source not stated'}</span>;
}
