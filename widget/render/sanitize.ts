import createDOMPurify, { type Config, type DOMPurify } from 'dompurify';
import { KATEX_STYLE_ATTR } from './math.js';

/** Tags a reply never needs: forms, embeds, media (which would fetch), styles, frames. */
const FORBID_TAGS = [
  'style', 'link', 'meta', 'base', 'template', 'slot', 'dialog', 'form', 'input', 'button', 'textarea', 'select',
  'option', 'iframe', 'frame', 'frameset', 'object', 'embed', 'img', 'image', 'picture', 'source', 'video', 'audio',
  'track', 'canvas', 'use', 'feimage',
];
const FORBID_ATTR = ['style', 'id', 'name', 'src', 'srcset', 'action', 'formaction', 'xlink:href', 'background', 'poster', 'ping', 'tabindex'];

const CONFIG: Config & { RETURN_DOM_FRAGMENT: true } = {
  USE_PROFILES: { html: true, svg: true, mathMl: true },
  FORBID_TAGS,
  FORBID_ATTR,
  // KaTeX's MathML wraps each formula in <semantics> with its TeX as an <annotation> (text only).
  ADD_TAGS: ['semantics', 'annotation'],
  ALLOW_DATA_ATTR: false,
  ADD_ATTR: [KATEX_STYLE_ATTR],
  // Without this DOMPurify would test its value ("height:1em") as a URL and drop it.
  ADD_URI_SAFE_ATTR: [KATEX_STYLE_ATTR],
  RETURN_DOM_FRAGMENT: true,
};

/**
 * The inline-style properties KaTeX lays formulas out with (see katex.mjs: height,
 * vertical-align, margins, \rule and \fcolorbox borders, \color). Anything else in
 * a style attribute is dropped.
 */
const STYLE_ALLOWED = /^(?:(?:min-|max-)?(?:width|height)|vertical-align|(?:margin|padding)-(?:top|right|bottom|left)|top|right|bottom|left|position|border-(?:top|right|bottom|left)-(?:width|style|color)|color|background-color|text-shadow)$/;
const STYLE_VALUE_FORBIDDEN = /url\(|image|expression|var\(|attr\(|\\/i;

let purifier: DOMPurify | undefined;

function instance(): DOMPurify {
  if (purifier) return purifier;
  const p = createDOMPurify(window);
  p.addHook('afterSanitizeAttributes', (node) => {
    if (!(node instanceof Element)) return;
    if (node.localName === 'a' && node.namespaceURI === 'http://www.w3.org/1999/xhtml' && node.hasAttribute('href')) {
      if (safeHref(node.getAttribute('href')!)) {
        node.setAttribute('target', '_blank');
        node.setAttribute('rel', 'noopener noreferrer');
      } else {
        node.removeAttribute('href');
      }
    } else {
      node.removeAttribute('href');
    }
  });
  return (purifier = p);
}

function safeHref(href: string): boolean {
  try {
    return ['http:', 'https:', 'mailto:'].includes(new URL(href).protocol);
  } catch {
    return false;
  }
}

/** A rendered reply: sanitised nodes with no style attributes, and the layout styles to apply once inserted. */
export interface SafeFragment {
  fragment: DocumentFragment;
  styles: [Element & ElementCSSInlineStyle, [string, string][]][];
}

/**
 * Sanitises HTML into a fragment. A host page's CSP without 'unsafe-inline' blocks
 * (and reports) style attributes wherever they are parsed, so there are none:
 * KaTeX's come as data-katex-style (math.ts), which is taken off here; the allowed
 * declarations come back separately, to be set through CSSOM, which CSP allows.
 */
export function sanitize(html: string): SafeFragment {
  const fragment = instance().sanitize(html, CONFIG);
  const parser = document.createElement('span').style;
  const styles: SafeFragment['styles'] = [];
  for (const el of fragment.querySelectorAll(`[${KATEX_STYLE_ATTR}]`)) {
    parser.cssText = el.getAttribute(KATEX_STYLE_ATTR) ?? '';
    el.removeAttribute(KATEX_STYLE_ATTR);
    const kept: [string, string][] = [];
    for (let i = 0; i < parser.length; i++) {
      const name = parser.item(i);
      const value = parser.getPropertyValue(name);
      if (!STYLE_ALLOWED.test(name) || STYLE_VALUE_FORBIDDEN.test(value)) continue;
      if (name === 'position' && value !== 'relative') continue;
      kept.push([name, value]);
    }
    if (kept.length > 0 && 'style' in el) styles.push([el as Element & ElementCSSInlineStyle, kept]);
  }
  return { fragment, styles };
}

/** Replaces the container's content with the fragment, then sets the kept styles through CSSOM. */
export function insertSafe(container: Element, { fragment, styles }: SafeFragment): void {
  container.replaceChildren(fragment);
  for (const [el, declarations] of styles) {
    for (const [name, value] of declarations) el.style.setProperty(name, value);
  }
}
