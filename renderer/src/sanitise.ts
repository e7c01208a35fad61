// Clinical narratives and HTML letters come from other organisations' systems: treat them as hostile.
// Only inert formatting survives; no scripts, handlers, styles, forms, frames or any URL that could load
// or navigate (remote images, javascript:, data: documents). The CSP is the second line of defence.
import DOMPurify from 'dompurify';
import { lookup } from '../../common/json';

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

export function sanitiseNarrative(html: string): string {
  installHooks();
  return DOMPurify.sanitize(html, {
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
    ],
    FORBID_ATTR: ['style', 'class', 'id', 'srcdoc'],
    ALLOW_DATA_ATTR: false,
  });
}
