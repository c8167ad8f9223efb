import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { extractDocument } from '../../server/knowledge/extract/extract.js';
import { htmlToMarkdown } from '../../server/knowledge/extract/html.js';

const helpPage = `<!doctype html><html><head><title>Refunds – Acme Help Center</title>
<style>body { color: red }</style><script>window.track = 1</script></head><body>
<a class="skip-link" href="#content">Skip to content</a>
<header class="site-header"><a href="/">Acme</a>
  <nav><ul><li><a href="/docs">Docs menu item</a></li><li><a href="/pricing">Pricing menu item</a></li></ul></nav></header>
<div id="cookie-banner" class="cookie-consent">We use cookies to improve your experience. <button>Accept all</button></div>
<main id="content"><article>
  <header><h1>Refunds</h1></header>
  <nav class="breadcrumbs"><a href="/">Home</a> › <a href="/billing">Billing</a></nav>
  <p>You can get a <a href="../billing/refunds#how">refund</a> within <strong>30 days</strong>.
     Ask <a href="javascript:alert(1)">support</a> or read <a href="#how">below</a>.</p>
  <h2>How to ask <a class="header-anchor" href="#how">¶</a></h2>
  <ol><li>Open <em>Billing</em></li><li>Click <code>Refund</code></li></ol>
  <h3>From the API</h3>
  <pre><code class="language-bash">curl -X POST https://api.acme.test/refunds \\
  -d '{"order": 1}'</code></pre>
  <table><thead><tr><th>Plan</th><th>Refund window</th></tr></thead>
    <tbody><tr><td>Basic | Plus</td><td><a href="/plans/basic">30 days</a></td></tr><tr><td>Team</td><td>60 days</td></tr></tbody></table>
  <img src="/refund.png" alt="Refund screenshot">
  <form class="search"><input name="q"><button>Search the help center</button></form>
  <footer>Was this article helpful? <button>Yes</button></footer>
</article>
<aside><h3>Related articles</h3><a href="/a">Related article link</a></aside></main>
<footer class="site-footer">© 2025 Acme · <a href="/privacy">Privacy policy</a></footer>
<script>console.log('late')</script>
</body></html>`;

describe('HTML extraction', () => {
  const { title, markdown } = htmlToMarkdown(helpPage, 'https://help.acme.test/en/articles/refunds');

  test('keeps the headings as Markdown headings at their levels', () => {
    assert.match(markdown, /^# Refunds$/m);
    assert.match(markdown, /^## How to ask$/m);
    assert.match(markdown, /^### From the API$/m);
    assert.equal(title, 'Refunds');
  });

  test('drops navigation, banners, cookie notices, asides, footers, forms, scripts and styles', () => {
    for (const gone of ['Docs menu item', 'Pricing menu item', 'cookies', 'Accept all', 'Skip to content', 'Home', 'Related article', 'helpful',
      'Privacy policy', '2025', 'Search the help center', 'window.track', 'color: red', 'late', '¶']) {
      assert.ok(!markdown.includes(gone), `"${gone}" should be gone:\n${markdown}`);
    }
  });

  test('keeps lists, inline code, emphasis, a fenced code block with its language, and a table', () => {
    assert.match(markdown, /^1\. +Open _Billing_$/m);
    assert.match(markdown, /^2\. +Click `Refund`$/m);
    assert.match(markdown, /```bash\ncurl -X POST https:\/\/api\.acme\.test\/refunds \\\n {2}-d '\{"order": 1\}'\n```/);
    assert.match(markdown, /\| Plan \| Refund window \|\n\| --- \| --- \|\n\| Basic \\\| Plus \| \[30 days\]\(https:\/\/help\.acme\.test\/plans\/basic\) \|\n\| Team \| 60 days \|/);
    assert.match(markdown, /\*\*30 days\*\*/);
  });

  test('links are absolute; script and same-page links keep only their text; images go', () => {
    assert.match(markdown, /\[refund\]\(https:\/\/help\.acme\.test\/en\/billing\/refunds#how\)/);
    assert.match(markdown, /Ask support or read below\./);
    assert.ok(!markdown.includes('javascript:'));
    assert.ok(!markdown.includes('refund.png') && !markdown.includes('screenshot'));
  });

  test('a page without <main> or <article> whose chrome is plain divs: Readability finds the article', () => {
    const menu = (name: string) => Array.from({ length: 30 }, (_, i) => `<div><a href="/p${i}">${name} link ${i}</a></div>`).join('');
    const page = `<html><head><title>Shipping | Acme</title></head><body>
      <div class="top"><div>${menu('Catalogue')}</div></div>
      <div class="wrap"><div class="content"><h1>Shipping</h1>
        <p>We ship worldwide from our warehouse in Lyon. Orders placed before noon leave the same day, and tracking numbers are mailed as soon as the carrier scans the parcel.</p>
        <h2>Costs</h2><p>Shipping is free above 50 euros. Below that, a flat fee of 4.90 euros applies in the European Union, and 12 euros elsewhere in the world.</p>
        <h2>Delays</h2><p>Expect two to four working days in France, five to eight in the rest of Europe, and up to three weeks for other countries, customs depending.</p>
      </div></div><div class="bottom">${menu('Brand')}</div></body></html>`;
    const result = htmlToMarkdown(page, 'https://acme.test/shipping');
    assert.ok(!/Catalogue link|Brand link/.test(result.markdown), result.markdown);
    assert.match(result.markdown, /^# Shipping$/m);
    assert.match(result.markdown, /^## Costs$/m);
    assert.match(result.markdown, /^## Delays$/m);
    assert.match(result.markdown, /flat fee of 4\.90 euros/);
    assert.equal(result.title, 'Shipping');
  });

  test('a form wrapping the whole page (ASP.NET) is kept; a title comes from og:title or <title> when there is no <h1>', () => {
    const page = `<html><head><title>Orders – Acme</title><meta property="og:title" content="Orders"></head><body>
      <form id="aspnetForm"><h2>Tracking</h2><p>Every order has a tracking link.</p></form></body></html>`;
    const result = htmlToMarkdown(page);
    assert.match(result.markdown, /^## Tracking\n\nEvery order has a tracking link\.$/);
    assert.equal(result.title, 'Orders');
    assert.equal(htmlToMarkdown('<html><head><title> Orders  – Acme </title></head><body><p>x</p></body></html>').title, 'Orders – Acme');
  });

  test('relative links without a base URL are text; <base href> is honoured', () => {
    assert.equal(htmlToMarkdown('<p>See <a href="/terms">terms</a>.</p>').markdown, 'See terms.');
    const based = htmlToMarkdown('<html><head><base href="https://docs.acme.test/v2/"></head><body><p><a href="api">API</a></p></body></html>', 'https://acme.test/x');
    assert.equal(based.markdown, '[API](https://docs.acme.test/v2/api)');
  });

  test('through extractDocument: the charset of the Content-Type or of <meta charset> decodes the bytes', async () => {
    const latin1 = Buffer.from('<html><head><meta charset="iso-8859-1"><title>Caf\xe9</title></head><body><h1>Caf\xe9 cr\xe8me</h1><p>D\xe9j\xe0 vu.</p></body></html>', 'latin1');
    const result = await extractDocument({ data: latin1, contentType: 'text/html', url: 'https://acme.test/cafe' });
    assert.equal(result.format, 'html');
    assert.equal(result.title, 'Café crème');
    assert.equal(result.markdown, '# Café crème\n\nDéjà vu.');
    const declared = await extractDocument({ data: Buffer.from('<p>na\xefve</p>', 'latin1'), contentType: 'text/html; charset=windows-1252' });
    assert.equal(declared.markdown, 'naïve');
  });

  test('a page of nothing but chrome is empty_text', async () => {
    await assert.rejects(
      extractDocument({ data: '<html><body><nav><a href="/">Home</a></nav><footer>© Acme</footer></body></html>', contentType: 'text/html' }),
      { name: 'ExtractError', reason: 'empty_text' },
    );
  });
});
