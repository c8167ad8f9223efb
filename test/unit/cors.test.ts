import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isOriginAllowed, normaliseOrigin } from '../../server/http/cors.js';

test('origins normalise to scheme://host[:port]; anything else is no origin', () => {
  assert.equal(normaliseOrigin('https://Shop.Example:443'), 'https://shop.example');
  assert.equal(normaliseOrigin('http://localhost:8080/'), 'http://localhost:8080');
  assert.equal(normaliseOrigin('https://shop.example/path?q'), 'https://shop.example');
  for (const bad of [undefined, '', 'null', 'shop.example', 'file:///etc/passwd', 'chrome-extension://abc', 'javascript:alert(1)']) {
    assert.equal(normaliseOrigin(bad), undefined, String(bad));
  }
});

test('an origin is allowed only on an exact scheme, host and port match', () => {
  const allowed = ['https://shop.example', 'http://127.0.0.1:3001', 'not an origin'];
  assert.ok(isOriginAllowed('https://shop.example', allowed));
  assert.ok(isOriginAllowed('http://127.0.0.1:3001', allowed));
  for (const origin of ['http://shop.example', 'https://shop.example:444', 'https://sub.shop.example', 'https://shop.example.evil', 'http://127.0.0.1:3002', 'null', undefined]) {
    assert.equal(isOriginAllowed(origin, allowed), false, String(origin));
  }
  assert.equal(isOriginAllowed('https://shop.example', []), false);
});
