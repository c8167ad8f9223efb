import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { lastUserText, toChunks } from '../../scripts/fake-mistral.js';
import { withTenant } from '../../server/db/tenant.js';
import { watchedPage } from '../support/browser.js';
import { databaseKinds } from '../support/databases.js';
import { embedHtml, strictCsp } from '../support/host-page.js';
import { startWidgetStack, type WidgetStack } from '../support/widget-stack.js';

// Reply text for the XSS test: every way a model's answer could try to run code or style the page.
const XSS_REPLY = [
  'Payloads follow.',
  '<script>window.__pwned = "script"</script>',
  '<img src=x onerror="window.__pwned = \'img\'">',
  '[click me](javascript:window.__pwned="link")',
  '[data](data:text/html,<script>parent.__pwned="data"</script>)',
  '<svg onload="window.__pwned = \'svg\'"><circle r="1"/></svg>',
  '<math><mi href="javascript:window.__pwned=\'mathml\'">x</mi></math>',
  'Math link: $\\href{javascript:window.__pwned="katex"}{x}$ and $\\url{javascript:alert(1)}$',
  '<style>* { display: none !important }</style>',
  '<iframe src="javascript:window.__pwned=\'iframe\'"></iframe>',
  '<a href="javascript:window.__pwned=\'a\'" onclick="window.__pwned=\'click\'">broken <b><i>markup',
  '<form action="https://evil.example"><input name=x></form>',
  '![tracker](https://tracker.example/pixel.png)',
  'A fine link: [docs](https://example.com/docs) and mail: <mailto:help@example.com>',
].join('\n\n');

/** Types a message and sends it with Enter, then waits until the reply has finished streaming. */
async function ask(page: Page, text: string): Promise<void> {
  const before = await page.locator('parley-widget .message.assistant').count();
  await page.locator('parley-widget textarea').fill(text);
  await page.locator('parley-widget textarea').press('Enter');
  await page.locator('parley-widget .message.assistant').nth(before).waitFor();
  await idle(page);
}

/** The composer is back to its send button: nothing streams. */
const idle = (page: Page) => page.locator('parley-widget .send[aria-label="Send message"]').waitFor();

for (const kind of databaseKinds) {
  describe(`chatting through the widget on ${kind}`, () => {
    let stack: WidgetStack;
    before(async () => {
      stack = await startWidgetStack(kind);
    });
    after(() => stack?.close());

    test('a message streams back as rendered Markdown and math; Enter sends, Shift+Enter breaks the line, one reply at a time', async () => {
      const { publicId } = await stack.workspace();
      const url = stack.site.set(`/chat-${kind}`, { html: embedHtml(stack.parley, publicId), csp: strictCsp(stack.parley) });
      const { page, watch, close } = await watchedPage(stack.browser);
      try {
        await page.goto(url);
        await page.evaluate(() => {
          (window as unknown as { __messages: unknown[] }).__messages = [];
          window.Parley!.on('message', (m) => (window as unknown as { __messages: unknown[] }).__messages.push(m));
        });
        await page.locator('parley-widget .launcher').click();
        const input = page.locator('parley-widget textarea');
        await input.pressSequentially('What is');
        await input.press('Shift+Enter');
        await input.pressSequentially('an integral?');
        const requestsBefore = stack.fake.requests.length;
        await input.press('Enter');

        // While it streams: a stop button instead of send, and Enter sends nothing more.
        await page.locator('parley-widget .send[aria-label="Stop the reply"]').waitFor();
        await input.fill('too soon');
        await input.press('Enter');
        await idle(page);
        assert.equal(stack.fake.requests.length, requestsBefore + 1);
        assert.equal(lastUserText(stack.fake.requests.at(-1)!), 'What is\nan integral?');
        assert.equal(await page.locator('parley-widget .message.user .bubble').first().textContent(), 'What is\nan integral?');

        const md = page.locator('parley-widget .message.assistant .md').last();
        // The math renders once the KaTeX chunk has arrived (the first formula asked for it).
        await md.locator('.katex-display').waitFor();
        assert.equal(await md.locator('strong').textContent(), 'Markdown');
        assert.equal(await md.locator('li code').textContent(), 'inline code');
        assert.match(await md.locator('pre code').textContent() ?? '', /function square/);
        assert.equal(await md.locator('li .katex').count(), 1);
        assert.equal(await md.locator('.katex-display').count(), 1);
        const link = md.locator('a');
        assert.deepEqual(await link.evaluate((a) => [a.getAttribute('href'), a.getAttribute('target'), a.getAttribute('rel')]), [
          'https://example.com',
          '_blank',
          'noopener noreferrer',
        ]);

        // The finished reply is announced once, by a polite live region outside the message list.
        const live = page.locator('parley-widget [aria-live="polite"]');
        assert.match((await live.textContent()) ?? '', /^Assistant: You asked/);
        assert.equal(await page.locator('parley-widget .messages[aria-live]').count(), 0);

        const events = await page.evaluate(() => (window as unknown as { __messages: { role: string; status: string }[] }).__messages);
        assert.deepEqual(events.map((e) => `${e.role}:${e.status}`), ['user:complete', 'assistant:complete']);
        assert.deepEqual(watch.violations, []);
        assert.deepEqual(watch.errors, []);
      } finally {
        await close();
      }
    });

    test('while a reply streams, only that message changes; finished ones are left alone', async () => {
      const { publicId } = await stack.workspace();
      const url = stack.site.set(`/memo-${kind}`, { html: embedHtml(stack.parley, publicId) });
      const { page, close } = await watchedPage(stack.browser);
      try {
        await page.goto(url);
        await page.locator('parley-widget .launcher').click();
        await ask(page, 'first');
        // KaTeX arrives after the first formula and renders that reply once more: wait for it.
        await page.locator('parley-widget .message.assistant .md .katex-display').waitFor();
        await page.evaluate(() => {
          const root = document.querySelector('parley-widget')!.shadowRoot!;
          const w = window as unknown as { __mutations: number };
          w.__mutations = 0;
          for (const el of root.querySelectorAll('.message')) {
            new MutationObserver((records) => (w.__mutations += records.length)).observe(el, { subtree: true, childList: true, attributes: true, characterData: true });
          }
        });
        await ask(page, 'second');
        assert.equal(await page.evaluate(() => (window as unknown as { __mutations: number }).__mutations), 0);
      } finally {
        await close();
      }
    });

    test('after a reload the conversation comes back, and the panel stays open', async () => {
      const { id, publicId } = await stack.workspace();
      const url = stack.site.set(`/reload-${kind}`, { html: embedHtml(stack.parley, publicId) });
      const { page, close } = await watchedPage(stack.browser);
      try {
        await page.goto(url);
        await page.locator('parley-widget .launcher').click();
        await ask(page, 'remember me');
        const stored = await page.evaluate((key) => JSON.parse(localStorage.getItem(key) ?? 'null') as { id: string; secret: string } | null, `parley:${publicId}:visitor`);
        assert.ok(stored && /^[0-9a-f-]{36}$/.test(stored.id) && stored.secret.length >= 32);

        await page.reload();
        await page.locator('parley-widget .message.assistant .md .katex-display').waitFor();
        assert.equal(await page.locator('parley-widget .message.user').textContent(), 'You: remember me');
        assert.match((await page.locator('parley-widget .message.assistant .md').textContent()) ?? '', /You asked: "remember me"/);
        assert.notEqual(await page.evaluate(() => document.activeElement?.localName), 'parley-widget', 'a restored panel does not take focus');

        const visitors = await withTenant(stack.server.db, id, (q) => q.query('SELECT id FROM visitors'));
        assert.deepEqual(visitors.rows, [{ id: stored.id }], 'the reload reused the visitor');
      } finally {
        await close();
      }
    });

    test('a failing model shows an error; a stopped reply shows as interrupted; the draft is kept when sending fails', async () => {
      const { publicId } = await stack.workspace();
      const url = stack.site.set(`/errors-${kind}`, { html: embedHtml(stack.parley, publicId) });
      const { page, close } = await watchedPage(stack.browser);
      try {
        await page.goto(url);
        await page.locator('parley-widget .launcher').click();

        stack.fake.setScript(() => ({ status: 401, body: { message: 'Unauthorized' } }));
        await ask(page, 'fail please');
        assert.match((await page.locator('parley-widget .message.assistant .status.error').textContent()) ?? '', /unavailable right now/);

        stack.fake.setScript(() => ({ chunks: toChunks('slow words '.repeat(200), 4), delayMs: 30 }));
        await page.locator('parley-widget textarea').fill('go slowly');
        await page.locator('parley-widget textarea').press('Enter');
        await page.locator('parley-widget .message.assistant .md').last().waitFor();
        await page.locator('parley-widget .send[aria-label="Stop the reply"]').click();
        await idle(page);
        assert.equal(await page.locator('parley-widget .message.assistant .status').last().textContent(), 'This reply was interrupted.');
        assert.match((await page.locator('parley-widget .message.assistant .md').last().textContent()) ?? '', /^slow/);
        await page.waitForFunction(() => true);
        await stack.fake.requests.at(-1)!.closed;
        assert.equal(stack.fake.requests.at(-1)!.aborted, true, 'stopping aborts the upstream request');
      } finally {
        stack.fake.setScript();
        await close();
      }
    });

    test('model output runs nothing: scripts, handlers, javascript: links, MathML and KaTeX links, styles, forms, images', async () => {
      const { publicId } = await stack.workspace();
      // No CSP here: were anything injected, it would run.
      const url = stack.site.set(`/xss-${kind}`, { html: embedHtml(stack.parley, publicId) });
      const { page, watch, close } = await watchedPage(stack.browser);
      stack.fake.setScript(() => ({ chunks: toChunks(XSS_REPLY, 40), delayMs: 5 }));
      try {
        await page.goto(url);
        await page.locator('parley-widget .launcher').click();
        await ask(page, 'attack');
        // Check the reply as KaTeX renders it, not only its TeX placeholder.
        await page.locator('parley-widget .message.assistant .md .katex').first().waitFor();
        await page.waitForTimeout(300);
        const md = page.locator('parley-widget .message.assistant .md').last();
        const found = await md.evaluate((root) => {
          const all = [...root.querySelectorAll('*')];
          return {
            pwned: (window as unknown as { __pwned?: string }).__pwned ?? null,
            dangerous: all.filter((el) => /^(script|style|iframe|img|image|form|input|object|embed|use|foreignobject)$/i.test(el.localName)).map((el) => el.localName),
            handlers: all.flatMap((el) => [...el.attributes].filter((a) => a.name.startsWith('on')).map((a) => `${el.localName}[${a.name}]`)),
            hrefs: all.flatMap((el) => ['href', 'xlink:href', 'src', 'action'].map((n) => el.getAttribute(n)).filter((v): v is string => v !== null)),
            links: [...root.querySelectorAll('a')].map((a) => `${a.getAttribute('href')} ${a.getAttribute('target')} ${a.getAttribute('rel')}`),
            text: root.textContent ?? '',
            visible: getComputedStyle(root).display !== 'none',
          };
        });
        assert.equal(found.pwned, null);
        assert.deepEqual(found.dangerous, []);
        assert.deepEqual(found.handlers, []);
        assert.deepEqual(found.hrefs.filter((h) => !/^(https?:|mailto:)/.test(h)), []);
        assert.deepEqual(found.links.filter((l) => !/^(https?:\/\/|mailto:)\S+ _blank noopener noreferrer$/.test(l)), []);
        for (const link of ['https://example.com/docs', 'mailto:help@example.com']) assert.ok(found.links.some((l) => l.startsWith(`${link} `)), link);
        assert.ok(found.text.includes('<script>window.__pwned = "script"</script>'), 'raw HTML shows as text');
        assert.ok(found.visible, 'a <style> in the reply styles nothing');
        assert.deepEqual(watch.dialogs, []);
        assert.deepEqual(watch.errors, []);
        assert.ok(!watch.requests.some((u) => u.includes('tracker.example') || u.includes('evil.example') || u.startsWith('http://x')));
        assert.equal(await page.evaluate(() => document.querySelectorAll('style, iframe, script:not([src])').length), 0);
      } finally {
        stack.fake.setScript();
        await close();
      }
    });

    test('a page on an origin the workspace does not allow gets no session and shows no chat', async () => {
      const { id, publicId } = await stack.workspace({ origins: ['https://shop.example'] });
      const url = stack.site.set(`/refused-${kind}`, { html: embedHtml(stack.parley, publicId) });
      const { page, watch, close } = await watchedPage(stack.browser);
      try {
        const warning = page.waitForEvent('console', (m) => m.type() === 'warning' && m.text().startsWith('Parley: the chat is not shown'));
        await page.goto(url);
        await warning;
        await page.waitForTimeout(200);
        assert.equal(await page.locator('parley-widget .launcher').count(), 0);
        const refused = await fetch(`${stack.parley}/api/widget/config?workspace=${publicId}`, { headers: { Origin: stack.site.origin } });
        assert.equal(refused.status, 403);

        // Even asked directly, from that page, the server creates nothing.
        const status = await page.evaluate(async ([parley, workspace]) => {
          const res = await fetch(`${parley}/api/widget/sessions`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ workspace }) }).catch(() => undefined);
          return res?.status ?? 'blocked';
        }, [stack.parley, publicId] as const);
        assert.equal(status, 'blocked', 'the refusal is not readable cross-origin');
        assert.ok(watch.requests.filter((u) => u.endsWith('/api/widget/sessions')).length === 1);
        const visitors = await withTenant(stack.server.db, id, (q) => q.query('SELECT id FROM visitors'));
        assert.equal(visitors.rows.length, 0);
      } finally {
        await close();
      }
    });
  });
}
