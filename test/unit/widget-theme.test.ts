import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pickLocale, stringsFor } from '../../widget/lib/i18n.js';
import { normalizeTheme, textOn, themeCss } from '../../widget/lib/theme.js';

describe('widget language', () => {
  test('takes the first of the visitor languages it speaks, by base language, else English', () => {
    assert.equal(pickLocale(['de-AT', 'en']), 'de');
    assert.equal(pickLocale(['it', 'fr-CA', 'de']), 'fr');
    assert.equal(pickLocale(['FR']), 'fr');
    assert.equal(pickLocale(['es', 'pt-BR']), 'en');
    assert.equal(pickLocale([]), 'en');
    assert.equal(stringsFor(['de']).send, 'Nachricht senden');
    assert.equal(stringsFor(['fr']).rateLimited(30), 'Vous envoyez des messages trop vite. Merci de patienter 30 secondes.');
  });

  test('every language has every string', () => {
    const keys = Object.keys(stringsFor(['en'])).sort();
    for (const lang of ['de', 'fr']) assert.deepEqual(Object.keys(stringsFor([lang])).sort(), keys, lang);
  });
});

describe('widget theme', () => {
  test('keeps valid settings and replaces anything else with the default', () => {
    assert.deepEqual(normalizeTheme({ color: '#FF0000', position: 'left', mode: 'dark' }), { color: '#ff0000', position: 'left', mode: 'dark' });
    assert.deepEqual(normalizeTheme({ color: 'red;}*{display:none}', position: 'top', mode: 'neon' }), { color: '#2563eb', position: 'right', mode: 'auto' });
    assert.deepEqual(normalizeTheme(null), { color: '#2563eb', position: 'right', mode: 'auto' });
  });

  test('picks readable text for the accent colour', () => {
    assert.equal(textOn('#2563eb'), '#ffffff');
    assert.equal(textOn('#000'), '#ffffff');
    assert.equal(textOn('#16a34a'), '#ffffff', 'white while it keeps 3:1');
    assert.equal(textOn('#facc15'), '#111827');
    assert.equal(textOn('#38bdf8'), '#111827');
    assert.equal(textOn('#ffffff'), '#111827');
    assert.equal(themeCss(normalizeTheme({ color: '#facc15' })), ':host{--parley-accent:#facc15;--parley-on-accent:#111827}');
  });
});
