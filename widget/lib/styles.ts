/**
 * A constructed stylesheet. The widget's styles are only ever these, adopted by its
 * shadow root (and, for KaTeX's fonts, by the document): no <style> element and no
 * style attribute, so a host page's CSP needs no 'unsafe-inline'.
 */
export function sheet(css: string): CSSStyleSheet {
  const s = new CSSStyleSheet();
  s.replaceSync(css);
  return s;
}

export function supportsConstructedSheets(): boolean {
  return typeof CSSStyleSheet === 'function' && 'replaceSync' in CSSStyleSheet.prototype && 'adoptedStyleSheets' in Document.prototype;
}
