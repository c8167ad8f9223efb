import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../../admin/src/lib/api.js';
import { renderMarkdown } from '../../admin/src/lib/markdown.js';
import { atLeast } from '../../admin/src/lib/roles.js';
import { match } from '../../admin/src/lib/router.js';

test('legal markdown: raw HTML is shown as text, script links are refused, the title is not repeated and headings start at h2', () => {
  const html = renderMarkdown('# TOMs\n\nHello <script>alert(1)</script> <img src=x onerror=alert(1)>\n\n[click](javascript:alert(1))\n\n## 1. Scope\n', 'TOMs');
  assert.doesNotMatch(html, /<script|<img|href="javascript/i);
  assert.match(html, /&lt;script&gt;/);
  assert.doesNotMatch(html, /<h1>/);
  assert.match(html, /<h2>1\. Scope<\/h2>/);
});

test('routes: parameters are matched and decoded, other shapes are not', () => {
  assert.deepEqual(match('/w/:id/conversations/:cid', '/w/abc/conversations/a%20b'), { id: 'abc', cid: 'a b' });
  assert.equal(match('/w/:id', '/w/abc/members'), null);
  assert.equal(match('/w/:id', '/w/'), null);
});

test('roles: each includes the ones below it', () => {
  assert.equal(atLeast('owner', 'admin'), true);
  assert.equal(atLeast('member', 'admin'), false);
  assert.equal(atLeast('viewer', 'viewer'), true);
});

test("API errors: a field's message from details, or from a code that is about one field", () => {
  const details = new ApiError(400, 'invalid_body', 'allowedOrigins.1: must be scheme://host', [{ path: 'allowedOrigins.1', message: 'must be scheme://host' }]);
  assert.equal(details.field('allowedOrigins.1'), 'must be scheme://host');
  assert.equal(details.field('title'), undefined);
  const rejected = new ApiError(400, 'provider_key_rejected', 'Mistral rejected this key.');
  assert.equal(rejected.field('apiKey'), 'Mistral rejected this key.');
  assert.deepEqual(rejected.paths(), ['apiKey']);
});
