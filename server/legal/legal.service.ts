import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { LegalConfig } from './legal-config.js';

/** Built-in templates; scripts/build.mjs copies them into dist/ beside the compiled code. */
const TEMPLATES = fileURLToPath(new URL('./templates', import.meta.url));

export interface LegalDocument {
  title: string;
  markdown: string;
}

const subprocessor = z.strictObject({
  name: z.string().min(1),
  legalEntity: z.string().min(1),
  location: z.string().min(1),
  purpose: z.string().min(1),
  data: z.string().min(1),
  /** When the sub-processor is involved, e.g. only when a Mistral key is configured. */
  when: z.string().min(1),
});
const subprocessorsFile = z.strictObject({ subprocessors: z.array(subprocessor) });
export type Subprocessor = z.infer<typeof subprocessor>;

export interface LegalDocuments {
  toms: LegalDocument;
  dpa: LegalDocument;
  operator: { name: string; contact: string };
  subprocessors: Subprocessor[];
}

/**
 * Reads the three documents once, at start-up: LEGAL_DIR's file where there is one,
 * else the built-in template, with {{operatorName}}, {{operatorContact}},
 * {{hostingProvider}}, {{hostingLocation}}, {{auditIpTruncateDays}} and
 * {{auditRetentionDays}} filled in. A LEGAL_DIR that is missing or
 * holds an invalid subprocessors.json stops the start with the file named.
 */
export function loadLegalDocuments(config: LegalConfig): LegalDocuments {
  if (config.dir !== undefined && !(existsSync(config.dir) && statSync(config.dir).isDirectory())) {
    throw new Error(`LEGAL_DIR: ${config.dir} is not a directory`);
  }
  const pick = (file: string) => (config.dir && existsSync(join(config.dir, file)) ? join(config.dir, file) : join(TEMPLATES, file));
  const read = (file: string) => fill(readFileSync(pick(file), 'utf8'), config);
  const source = pick('subprocessors.json');
  let parsed: z.infer<typeof subprocessorsFile>;
  try {
    parsed = subprocessorsFile.parse(JSON.parse(readFileSync(source, 'utf8')));
  } catch (err) {
    const reason = err instanceof z.ZodError ? `${err.issues[0]!.path.join('.')}: ${err.issues[0]!.message}` : (err as Error).message;
    throw new Error(`${source} is not a valid sub-processor list: ${reason}`);
  }
  // Filled after parsing, so an operator name with quotes cannot break the JSON.
  const subprocessors = parsed.subprocessors.map((entry) => Object.fromEntries(Object.entries(entry).map(([k, v]) => [k, fill(v, config)])) as Subprocessor);
  return {
    toms: document(read('toms.md'), 'Technical and organisational measures'),
    dpa: document(read('dpa.md'), 'Data processing agreement'),
    operator: { name: config.operatorName, contact: config.operatorContact },
    subprocessors,
  };
}

const PLACEHOLDER = /\{\{\s*(operatorName|operatorContact|hostingProvider|hostingLocation|auditIpTruncateDays|auditRetentionDays)\s*\}\}/g;
type Placeholder = 'operatorName' | 'operatorContact' | 'hostingProvider' | 'hostingLocation' | 'auditIpTruncateDays' | 'auditRetentionDays';

function fill(template: string, config: LegalConfig): string {
  return template.replace(PLACEHOLDER, (_, key: Placeholder) => config[key]);
}

/** The title is the document's first `# ` heading, else the fallback. */
function document(markdown: string, fallback: string): LegalDocument {
  const heading = /^#\s+(.+?)\s*#*\s*$/m.exec(markdown);
  return { title: heading?.[1] ?? fallback, markdown };
}
