// Blocks too large for one chunk, cut where the cut hurts least: code between lines (each piece
// fenced again), tables between rows (each piece with the header again), prose between lines,
// then sentences, then words. Only a single line longer than a chunk is cut mid-line.
import type { Block } from './markdown-sections.js';

/** The pieces of a block, each at most limit characters (a block that fits is its own one piece). */
export function splitBlock(block: Block, limit: number): Block[] {
  if (block.text.length <= limit) return [block];
  const piece = (text: string): Block => ({ ...block, text });
  if (block.kind === 'code') {
    const lines = block.text.split('\n');
    const open = lines[0]!;
    const fence = /^\s*(`{3,}|~{3,})/.exec(open)![1]!;
    const closed = lines.length > 1 && lines.at(-1)!.trim().startsWith(fence);
    const body = lines.slice(1, closed ? -1 : undefined);
    const room = limit - open.length - fence.length - 2;
    return pack(body.flatMap((l) => hardCut(l, room)), '\n', room).map((text) => piece(`${open}\n${text}\n${fence}`));
  }
  if (block.kind === 'table') {
    const [head = '', separator = '', ...rows] = block.text.split('\n');
    const header = `${head}\n${separator}`;
    const room = limit - header.length - 1;
    return pack(rows.flatMap((r) => hardCut(r, room)), '\n', room).map((text) => piece(`${header}\n${text}`));
  }
  const pieces = block.text.split('\n').flatMap((line) => (line.length <= limit ? [line] : sentences(line, limit)));
  return pack(pieces, '\n', limit).map((text) => piece(text));
}

/** Consecutive pieces joined with sep into groups of about equal length, none over limit. */
function pack(pieces: string[], sep: string, limit: number): string[] {
  // Evenly: 2,600 characters at a limit of 1,700 become two of 1,300, not 1,700 and 900.
  const total = pieces.reduce((n, p) => n + p.length + sep.length, 0);
  const even = Math.min(limit, Math.ceil(total / Math.ceil(total / limit)) + 40);
  const groups: string[] = [];
  let current: string | undefined;
  for (const p of pieces) {
    if (current !== undefined && current.length + sep.length + p.length <= even) current += sep + p;
    else {
      if (current !== undefined) groups.push(current);
      current = p;
    }
  }
  if (current !== undefined) groups.push(current);
  return groups;
}

/** A long line as sentences (each at most limit), packed back together as far as they fit. */
function sentences(line: string, limit: number): string[] {
  const parts = line.split(/(?<=[.!?…。！？])\s+/).flatMap((s) => (s.length <= limit ? [s] : words(s, limit)));
  return pack(parts, ' ', limit);
}

function words(text: string, limit: number): string[] {
  return pack(text.split(/\s+/).flatMap((w) => hardCut(w, limit)), ' ', limit);
}

/** The last resort: a line or word longer than a chunk, in equal slices. */
function hardCut(text: string, limit: number): string[] {
  if (text.length <= limit) return [text];
  const out: string[] = [];
  for (let i = 0; i < text.length; i += limit) out.push(text.slice(i, i + limit));
  return out;
}
