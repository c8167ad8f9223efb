// The KaTeX chunk: KaTeX and its CSS, inserted by the loader only once a reply contains math.
import { KATEX_FONT_FACES, KATEX_RULES } from 'virtual:katex-css';
import { registerChunk } from './lib/chunk-hook.js';
import { renderTexWithKatex } from './render/katex-engine.js';

registerChunk('katex', { renderToString: renderTexWithKatex, rules: KATEX_RULES, fontFaces: KATEX_FONT_FACES });
