// Clinical narratives and HTML letters come from other organisations' systems: treat them as hostile.
// Only inert formatting survives; no scripts, handlers, styles, forms, frames or any URL that could load
// or navigate (remote images, javascript:, data: documents). The CSP is the second line of defence.
import DOMPurify from 'dompurify';
import { lookup } from '../../common/json';
import { withoutFormatControls } from '../../common/text-safety';

const URL_ATTRIBUTES = new Set([
  'href',
  'src',
  'srcset',
  'xlink:href',
  'action',
  'formaction',
  'poster',
  'background',
  'ping',
]);

/** Pictures a letter holds are not shown (they could load from anywhere), but never silently dropped. */
const PICTURES: Record<string, string> = { img: 'Image', svg: 'Image', video: 'Video' };

let hooked = false;
function installHooks(): void {
  if (hooked) return;
  hooked = true;
  DOMPurify.addHook('uponSanitizeElement', (node, data) => {
    const kind = lookup(PICTURES, data.tagName);
    if (!kind || !(node instanceof Element)) return;
    const alt = (node.getAttribute('alt') ?? node.getAttribute('title') ?? '').trim().slice(0, 200);
    const text = `[${kind} not shown${alt ? `: ${alt}` : ''}]`;
    node.parentNode?.insertBefore(node.ownerDocument.createTextNode(text), node);
  });
  DOMPurify.addHook('uponSanitizeAttribute', (_node, data) => {
    if (URL_ATTRIBUTES.has(data.attrName)) {
      // In-document anchors are harmless; everything else would load or navigate.
      data.keepAttr = data.attrName === 'href' && /^#[\w-]*$/.test(data.attrValue);
    }
  });
}

/**
 * Nor may a letter reorder its own words: the format characters that override or embed a direction are taken
 * out (./common/text-safety, as from every other field a source sends), and so are their markup equivalents,
 * `<bdo>` (its words kept) and `dir`. Plain right-to-left text needs neither: the browser lays it out itself.
 */
export function sanitiseNarrative(html: string): string {
  installHooks();
  // Taken from what DOMPurify gives back, so that character references (&#x202E;) are caught as well.
  return withoutFormatControls(
    DOMPurify.sanitize(html, {
      USE_PROFILES: { html: true },
      FORBID_TAGS: [
        'style',
        'img',
        'picture',
        'video',
        'audio',
        'source',
        'iframe',
        'object',
        'embed',
        'form',
        'input',
        'button',
        'link',
        'meta',
        'base',
        'svg',
        'math',
        'bdo',
      ],
      FORBID_ATTR: ['style', 'class', 'id', 'srcdoc', 'dir'],
      ALLOW_DATA_ATTR: false,
    }),
  );
}
