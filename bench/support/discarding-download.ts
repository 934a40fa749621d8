import { timeCommand, type CommandTiming } from './timed-command';

/**
 * GETs `url` with curl, writing the body to /dev/null, as `curl -o product.zip` in docs/api.md
 * does but without the disk; fails unless the answer is 200. curl rather than a node client:
 * node's HTTP client spent ten times curl's CPU per gigabyte on this machine (and slowed the
 * server with it), so it measured itself, not the server.
 */
export async function downloadAndDiscard(url: string, headers: Readonly<Record<string, string>> = {}): Promise<CommandTiming & { readonly bytes: number }> {
  const headerArgs = Object.entries(headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`]);
  const timing = await timeCommand('curl', ['--silent', '--show-error', '--output', '/dev/null', '--write-out', '%{http_code} %{size_download}', ...headerArgs, url], { captureStdout: true });
  const [status, bytes] = timing.stdout.trim().split(' ').map(Number);
  if (status !== 200) throw new Error(`GET ${url}: ${status}`);
  return { ...timing, bytes: bytes ?? 0 };
}
