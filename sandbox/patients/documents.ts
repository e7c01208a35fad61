// Documents the sandbox serves as FHIR Binary resources: small HTML letters and real (tiny) PDFs.
import type { Binary } from '../../common/fhir';

/** Placeholders in attachment URLs, replaced with the running servers' bases at start-up (ports are ephemeral). */
export const BASE_PLACEHOLDER = { dcr: '{{dcr}}', chie: '{{chie}}' } as const;

function pdfEscape(s: string): string {
  return s.replace(/[\\()]/g, (c) => `\\${c}`).replace(/[^\x20-\x7e]/g, '?');
}

/** A minimal valid single-page PDF 1.4 with the given lines of Helvetica text (correct xref offsets). */
export function tinyPdf(title: string, lines: string[]): Buffer {
  return textPdf([{ title, lines }]);
}

/** A minimal valid PDF 1.4, one page per entry, each a heading and lines of Helvetica text. */
export function textPdf(pages: { title: string; lines: string[] }[]): Buffer {
  const pageObject = (n: number) => 4 + n * 2;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${pages.map((_, n) => `${pageObject(n)} 0 R`).join(' ')}] /Count ${pages.length} >>`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  pages.forEach(({ title, lines }, n) => {
    const textOps = [`BT /F1 16 Tf 56 780 Td (${pdfEscape(title)}) Tj ET`];
    lines.forEach((line, i) => textOps.push(`BT /F1 11 Tf 56 ${748 - i * 16} Td (${pdfEscape(line)}) Tj ET`));
    const stream = textOps.join('\n');
    objects.push(
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents ${pageObject(n) + 1} 0 R >>`,
      `<< /Length ${Buffer.byteLength(stream, 'latin1')} >>\nstream\n${stream}\nendstream`,
    );
  });
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((obj, i) => {
    offsets.push(Buffer.byteLength(body, 'latin1'));
    body += `${i + 1} 0 obj\n${obj}\nendobj\n`;
  });
  const xrefAt = Buffer.byteLength(body, 'latin1');
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) body += `${String(off).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xrefAt}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function simpleHtml(title: string, paragraphs: string[]): Buffer {
  const body = paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n');
  return Buffer.from(
    `<!doctype html>\n<html lang="en-GB"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>` +
      `<body><h1>${escapeHtml(title)}</h1>\n${body}\n</body></html>\n`,
    'utf8',
  );
}

export function binary(id: string, contentType: string, content: Buffer, patientId: string): Binary {
  return {
    resourceType: 'Binary',
    id,
    contentType,
    securityContext: { reference: `Patient/${patientId}` },
    data: content.toString('base64'),
  };
}
