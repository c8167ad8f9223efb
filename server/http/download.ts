import type { Response } from 'express';
import type { Logger } from '../logging.js';

/** A file the server writes as it reads it: exports of conversations, workspaces, the audit log. */
export interface Download {
  filename: string;
  contentType: string;
  /** Extra headers, e.g. X-Parley-Export-Total for the panel's progress. */
  headers?: Record<string, string>;
  chunks: AsyncGenerator<string, void, undefined>;
}

/** Resolves when the socket can take more, or when the client has gone. */
function drainOrClose(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * Sends a download as an attachment, one chunk at a time, waiting for the socket to drain
 * so a slow client never makes the server buffer the file. A client that leaves stops
 * the generator before its next batch is read (its return() runs). A failure after the
 * headers cuts the connection, so the download fails instead of looking complete.
 */
export async function sendDownload(res: Response, log: Logger, download: Download): Promise<void> {
  res.status(200);
  res.setHeader('Content-Type', download.contentType);
  res.setHeader('Content-Disposition', `attachment; filename="${download.filename}"`);
  res.setHeader('Cache-Control', 'no-store');
  for (const [name, value] of Object.entries(download.headers ?? {})) res.setHeader(name, value);
  res.flushHeaders();
  let gone = false;
  const onClose = () => (gone = true);
  res.once('close', onClose);
  try {
    for await (const chunk of download.chunks) {
      if (gone || res.destroyed) break;
      if (!res.write(chunk)) await drainOrClose(res);
    }
    if (!gone && !res.destroyed) res.end();
  } catch (err) {
    log.error({ err }, 'download failed after it started; connection closed');
    res.destroy();
  } finally {
    res.off('close', onClose);
  }
}
