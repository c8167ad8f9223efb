// A document's Markdown to the chunks that are embedded and searched: sections follow headings,
// each chunk a few hundred tokens with its heading path, overlapping within a section. Pure and
// deterministic: the same input gives the same chunks, so unchanged chunks hash the same.
import { parseSections, type Block, type Heading } from './markdown-sections.js';
import { splitBlock } from './split-units.js';
import { chars, estimateTokens, MAX_TOKENS, MIN_TOKENS, OVERLAP_TOKENS, TARGET_TOKENS } from './tokens.js';

export { CHARS_PER_TOKEN, MAX_TOKENS, MIN_TOKENS, OVERLAP_TOKENS, TARGET_TOKENS, estimateTokens } from './tokens.js';

export const HEADING_SEPARATOR = ' > ';

export interface ChunkInput {
  /** The document's title (page title, file name): kept on every chunk, and a level-1 heading equal to it is not repeated in paths. */
  title: string;
  /** Markdown as extraction made it; `<!-- page N -->` lines mark PDF pages. */
  markdown: string;
  /** The document's address: chunks of a paged document link to their page (`#page=N`). */
  url?: string;
}

export interface Chunk {
  /** 0-based order in the document. */
  position: number;
  title: string;
  /** The headings above the chunk joined by " > " ("Billing > Refunds"); '' before the first heading. */
  headingPath: string;
  /** The same headings, outermost first. */
  headings: string[];
  /** Markdown; headings inside the chunk below its path are kept as heading lines. */
  content: string;
  /** ceil(content.length / 4). */
  tokenEstimate: number;
  /** The PDF page the chunk starts on (1-based), when the document has pages. */
  page?: number;
  /** url, with `#page=N` when the chunk has a page. */
  url?: string;
}

interface Item {
  block: Block;
  section: number;
}

const TARGET = chars(TARGET_TOKENS);
const MAX = chars(MAX_TOKENS);
const MIN = chars(MIN_TOKENS);
const OVERLAP = chars(OVERLAP_TOKENS);
/** Pieces leave room for the overlap and a heading line or two within MAX. */
const PIECE = MAX - OVERLAP - 100;
const GAP = 2;

export function chunkDocument(input: ChunkInput): Chunk[] {
  const title = input.title.trim();
  const sections = parseSections(input.markdown)
    .map((s) => ({ ...s, headings: withoutTitle(s.headings, title) }))
    .filter((s) => s.blocks.length > 0);
  const items: Item[] = sections.flatMap((s, section) => s.blocks.flatMap((b) => splitBlock(b, PIECE)).map((block) => ({ block, section })));
  // What is left of a section from each item on: a small remainder joins the chunk before it.
  const rest = new Array<number>(items.length + 1).fill(0);
  for (let k = items.length - 1; k >= 0; k--) {
    rest[k] = items[k]!.block.text.length + GAP + (items[k + 1]?.section === items[k]!.section ? rest[k + 1]! : 0);
  }

  const groups: { items: Item[]; overlap: string | undefined }[] = [];
  let current: Item[] = [];
  let overlap: string | undefined;
  let size = 0;
  for (const [k, item] of items.entries()) {
    const last = current.at(-1);
    const heading = last?.section !== item.section ? headingCost(sections[item.section]!.headings) : 0;
    const cost = item.block.text.length + GAP + heading;
    if (last) {
      const sectionSize = rest[k]!;
      const fits = size + cost <= TARGET;
      const close =
        last.section !== item.section
          ? // A new section starts a new chunk, unless this chunk is small and the next piece fits
            // to the target, or the whole next section is small and fits within the maximum.
            !((size < MIN && fits) || (sectionSize < MIN && size + heading + sectionSize <= MAX))
          : // Within a section, fill to the target; past it only to take in a small remainder.
            !fits && !(size + cost <= MAX && (size < MIN || sectionSize < MIN));
      if (close) {
        groups.push({ items: current, overlap });
        overlap = last.section === item.section ? tail(last.block) : undefined;
        current = [];
        size = overlap ? overlap.length + GAP : 0;
      }
    }
    current.push(item);
    size += cost;
  }
  if (current.length > 0) groups.push({ items: current, overlap });

  return groups.map((group, position) => {
    const paths = group.items.map((i) => sections[i.section]!.headings);
    const common = commonPrefix(paths);
    const parts: string[] = [];
    let previous: Heading[] | undefined;
    for (const [n, item] of group.items.entries()) {
      const headings = paths[n]!;
      if (headings !== previous) parts.push(...headingLines(headings, previous, common.length));
      if (n === 0 && group.overlap) parts.push(group.overlap);
      parts.push(item.block.text);
      previous = headings;
    }
    const content = parts.join('\n\n');
    const page = group.items[0]!.block.page;
    const names = common.map((h) => h.text).filter(Boolean);
    return {
      position,
      title,
      headingPath: names.join(HEADING_SEPARATOR),
      headings: names,
      content,
      tokenEstimate: estimateTokens(content),
      ...(page !== undefined && { page }),
      ...(input.url !== undefined && { url: page !== undefined ? `${input.url.split('#')[0]}#page=${page}` : input.url }),
    };
  });
}

/** The document's own title as its first heading would only repeat it in every path. */
function withoutTitle(headings: Heading[], title: string): Heading[] {
  const first = headings[0];
  return first && first.level === 1 && first.text.toLowerCase() === title.toLowerCase() ? headings.slice(1) : headings;
}

function commonPrefix(paths: Heading[][]): Heading[] {
  const [first = [], ...others] = paths;
  let n = first.length;
  for (const path of others) {
    let i = 0;
    while (i < n && i < path.length && path[i] === first[i]) i++;
    n = i;
  }
  return first.slice(0, n);
}

/** Heading lines for the headings of `path` below `depth` that the previous item did not already show. */
function headingLines(path: Heading[], previous: Heading[] | undefined, depth: number): string[] {
  const lines: string[] = [];
  for (let i = depth; i < path.length; i++) {
    if (previous?.[i] === path[i]) continue;
    if (path[i]!.text) lines.push(`${'#'.repeat(path[i]!.level)} ${path[i]!.text}`);
  }
  return lines;
}

function headingCost(path: Heading[]): number {
  return path.reduce((n, h) => n + h.level + 1 + h.text.length + GAP, 0);
}

/** The end of a prose block, from a sentence or word start, about OVERLAP characters long; code and tables are not repeated. */
function tail(block: Block): string | undefined {
  if (block.kind !== 'text') return undefined;
  const text = block.text;
  if (text.length <= OVERLAP) return text;
  const window = text.slice(text.length - OVERLAP);
  const sentence = /[.!?…]\s+(?=\S)/.exec(window.slice(0, OVERLAP / 2));
  if (sentence) return window.slice(sentence.index + sentence[0].length);
  const space = window.search(/\s\S/);
  return (space >= 0 ? window.slice(space + 1) : window).trim();
}
