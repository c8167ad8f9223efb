// A multipart POST under /api/admin with upload progress: fetch() cannot report how much of
// a request body has been sent, XMLHttpRequest can. Same CSRF header and errors as api().
import { API, changeHeaders, networkError, readAnswer } from './api.js';

/** Sends the form (the browser sets the multipart boundary); onProgress gets bytes sent of the body's total. */
export function upload<T>(path: string, form: FormData, onProgress?: (sent: number, total: number) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', API + path);
    xhr.setRequestHeader('accept', 'application/json');
    for (const [name, value] of Object.entries(changeHeaders('POST'))) xhr.setRequestHeader(name, value);
    if (onProgress) xhr.upload.addEventListener('progress', (e) => e.lengthComputable && onProgress(e.loaded, e.total));
    xhr.addEventListener('load', () => {
      try {
        resolve(readAnswer<T>(path, xhr.status, xhr.responseText));
      } catch (err) {
        reject(err);
      }
    });
    xhr.addEventListener('error', () => reject(networkError()));
    xhr.addEventListener('abort', () => reject(networkError()));
    xhr.send(form);
  });
}
