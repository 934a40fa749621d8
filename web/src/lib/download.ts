import { api } from './api';

interface DownloadState {
  status: 'ready' | 'pending' | 'running' | 'failed';
  progress: number;
  filename: string;
  download_url?: string;
  error_message?: string;
}

/**
 * Asks the server for the product zip (POST prepare, then the status while it is computed),
 * telling `onProgress` how far it is, and returns the signed download link.
 */
export async function prepareZip(productId: number, onProgress: (fraction: number) => void, signal?: AbortSignal): Promise<{ url: string; filename: string }> {
  let state = await api<DownloadState>(`products/${productId}/download/prepare/`, { method: 'POST', signal });
  while (state.status === 'pending' || state.status === 'running') {
    onProgress(state.progress);
    await new Promise((resolve) => setTimeout(resolve, 500));
    state = await api<DownloadState>(`products/${productId}/download/status/`, { signal });
  }
  if (state.status === 'failed' || !state.download_url) throw new Error(state.error_message ?? 'the zip could not be prepared');
  onProgress(1);
  return { url: state.download_url, filename: state.filename };
}

/** Starts the browser's own download of `url` (the server answers it as an attachment). */
export function startDownload(url: string, filename: string): void {
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
}
