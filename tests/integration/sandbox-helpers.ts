// Small HTTP helpers for the sandbox integration tests.
import type { Bundle, Resource } from '../../common/fhir';

export const NHS = 'https://fhir.nhs.uk/Id/nhs-number';

export async function getJson<T = Resource>(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T; contentType: string | null }> {
  const res = await fetch(url, { headers: { accept: 'application/fhir+json', ...headers } });
  return { status: res.status, body: (await res.json()) as T, contentType: res.headers.get('content-type') };
}

export async function search(url: string): Promise<Bundle> {
  const { status, body } = await getJson<Bundle>(url);
  if (status !== 200) throw new Error(`${url} → ${status} ${JSON.stringify(body)}`);
  return body;
}

export function nextLink(bundle: Bundle): string | undefined {
  return bundle.link?.find((l) => l.relation === 'next')?.url;
}

/** Follows every next link and returns all entries' resources. */
export async function searchAll(url: string): Promise<{ resources: Resource[]; pages: string[] }> {
  const resources: Resource[] = [];
  const pages: string[] = [];
  let next: string | undefined = url;
  while (next) {
    pages.push(next);
    const bundle = await search(next);
    resources.push(...(bundle.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : [])));
    next = nextLink(bundle);
  }
  return { resources, pages };
}

export async function findPatientId(base: string, nhsNumber: string): Promise<string | undefined> {
  const bundle = await search(`${base}/Patient?identifier=${encodeURIComponent(`${NHS}|${nhsNumber}`)}`);
  return bundle.entry?.[0]?.resource?.id;
}
