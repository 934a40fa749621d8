import { csrfToken, errorFrom } from './api';

export interface Upload {
  /** Resolves with the stored file's JSON; rejects with an ApiError (or an 'AbortError' when cancelled). */
  readonly done: Promise<unknown>;
  cancel(): void;
}

/**
 * Sends one file to POST /api/product-files/ with XMLHttpRequest, whose upload events give a
 * real progress figure (fetch has none for request bodies).
 */
export function uploadFile(productId: number, role: number, file: File, onProgress: (fraction: number) => void): Upload {
  const request = new XMLHttpRequest();
  const done = new Promise<unknown>((resolve, reject) => {
    request.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total);
    };
    request.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(request.responseText);
      } catch {
        // not JSON: errorFrom says what the status was
      }
      if (request.status === 201 || request.status === 200) {
        onProgress(1);
        resolve(body);
      } else {
        reject(errorFrom(request.status, body));
      }
    };
    request.onerror = () => reject(errorFrom(0, null));
    request.onabort = () => reject(new DOMException('upload cancelled', 'AbortError'));
  });
  const form = new FormData();
  form.set('product', String(productId));
  form.set('role', String(role));
  form.set('type', file.type || 'application/octet-stream');
  form.set('file', file, file.name);
  request.open('POST', '/api/product-files/');
  request.setRequestHeader('X-CSRFToken', csrfToken());
  request.setRequestHeader('Accept', 'application/json');
  request.send(form);
  return { done, cancel: () => request.abort() };
}
