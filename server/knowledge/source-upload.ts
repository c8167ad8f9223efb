// The body of a new source: JSON (pasted text can be megabytes, far above the API's usual
// 64 kB) or multipart/form-data with one file. app.ts leaves these two routes' bodies
// unread (isSourceUpload), so they are read here, after the session or API key is checked.
import express, { type Request, type RequestHandler, type Response } from 'express';
import multer from 'multer';
import { HttpError } from '../http/errors.js';
import { MAX_SOURCE_BYTES } from './extract/extract-types.js';
import { SOURCE_JSON_LIMIT } from './knowledge.schema.js';

export type SourceBody =
  | { type: 'json'; body: unknown }
  | { type: 'file'; file: { originalName: string; data: Uint8Array }; fields: Record<string, unknown> };

const SOURCE_PATHS = [/^\/api\/v1\/sources\/?$/, /^\/api\/admin\/workspaces\/[^/]+\/knowledge\/sources\/?$/];

/** The routes that create a source: the app-wide JSON parser leaves their bodies to readSourceBody. */
export function isSourceUpload(req: Request): boolean {
  if (req.method !== 'POST') return false;
  const path = req.originalUrl.split('?')[0]!;
  return SOURCE_PATHS.some((p) => p.test(path));
}

const MB = MAX_SOURCE_BYTES / (1024 * 1024);

const uploadOne = multer({
  storage: multer.memoryStorage(),
  // One file and a title: anything more is a mistake or an attack.
  limits: { fileSize: MAX_SOURCE_BYTES, files: 1, fields: 4, parts: 5, fieldSize: 4096, fieldNameSize: 100 },
  // Browsers send UTF-8 file names without saying so.
  defParamCharset: 'utf8',
}).single('file');

const readJson = express.json({ limit: SOURCE_JSON_LIMIT, strict: true, type: 'application/json' });

const MULTER_ERRORS: Record<string, [number, string, string]> = {
  LIMIT_FILE_SIZE: [413, 'file_too_large', `The file is larger than ${MB} MB, the most Parley reads from one file.`],
  LIMIT_UNEXPECTED_FILE: [400, 'invalid_upload', 'Send exactly one file, in the form field "file".'],
  LIMIT_FILE_COUNT: [400, 'invalid_upload', 'Send exactly one file, in the form field "file".'],
};

function run(handler: RequestHandler, req: Request, res: Response): Promise<void> {
  return new Promise((resolve, reject) => handler(req, res, (err?: unknown) => (err ? reject(err) : resolve())));
}

/** Reads a new source's body; 415 for anything but JSON and multipart, 413 for a file above MAX_SOURCE_BYTES. */
export async function readSourceBody(req: Request, res: Response): Promise<SourceBody> {
  if (req.is('multipart/form-data')) {
    try {
      await run(uploadOne, req, res);
    } catch (err) {
      if (err instanceof multer.MulterError) {
        const [status, code, message] = MULTER_ERRORS[err.code] ?? [400, 'invalid_upload', `The form could not be read: ${err.message.toLowerCase()}.`];
        throw new HttpError(status, code, message);
      }
      // busboy's own complaints (no boundary, a cut-off body) are the client's.
      if (err instanceof Error && !(err instanceof HttpError)) throw new HttpError(400, 'invalid_upload', `The form could not be read: ${err.message}.`);
      throw err;
    }
    const file = req.file;
    if (!file) throw new HttpError(400, 'file_required', 'Send the file in the form field "file".');
    return { type: 'file', file: { originalName: file.originalname, data: new Uint8Array(file.buffer.buffer, file.buffer.byteOffset, file.buffer.byteLength) }, fields: { ...(req.body as Record<string, unknown>) } };
  }
  if (req.is('application/json')) {
    await run(readJson, req, res);
    return { type: 'json', body: req.body ?? {} };
  }
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (!hasBody) throw new HttpError(400, 'invalid_body', 'Send the source as JSON, or a file as multipart/form-data.');
  throw new HttpError(415, 'unsupported_media_type', 'Send the source as JSON (Content-Type: application/json) or a file as multipart/form-data.');
}
