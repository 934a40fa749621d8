import { attachMainFile, httpClient, type Json } from '../registry/testing';
import type { TestServer } from '../testing';

/** Column → alias of the pzserver contract, as a person would associate them. */
export type Roles = Readonly<Record<string, string>>;

/**
 * A published product made through the API as a person would: created, main file attached,
 * registry run, roles associated, published. Returns its id.
 */
export async function publishedProduct(server: TestServer, user: { auth: string; userId: number }, options: { file: string; type: string; name: string; roles: Roles; release?: string }): Promise<number> {
  const call = httpClient(server);
  const created = await call('POST', '/api/products/', user.auth, { display_name: options.name, product_type: options.type, ...(options.release ? { release: options.release } : {}) });
  if (created.status !== 201) throw new Error(`create: ${JSON.stringify(created.body)}`);
  const id = created.body.id as number;
  await attachMainFile(server, id, user.userId, options.file);
  const registry = await call('GET', `/api/products/${id}/registry/`, user.auth);
  if (registry.status !== 200) throw new Error(`registry: ${JSON.stringify(registry.body)}`);
  const columns = await call('GET', `/api/product-contents/?product=${id}&page_size=500`, user.auth);
  const results = columns.body.results as Json[];
  // Suggested roles the file's columns got at registry are cleared first: the test says which column is which.
  for (const column of results) {
    if (column.alias !== null && !(String(column.column_name) in options.roles)) {
      const cleared = await call('PATCH', `/api/product-contents/${String(column.id)}/`, user.auth, { alias: null, ucd: null });
      if (cleared.status !== 200) throw new Error(`clear ${String(column.column_name)}: ${JSON.stringify(cleared.body)}`);
    }
  }
  for (const [name, alias] of Object.entries(options.roles)) {
    const column = results.find((c) => c.column_name === name);
    if (!column) throw new Error(`no column ${name} in ${options.file}`);
    const associated = await call('PATCH', `/api/product-contents/${String(column.id)}/`, user.auth, { alias });
    if (associated.status !== 200) throw new Error(`associate ${name}: ${JSON.stringify(associated.body)}`);
  }
  const published = await call('PATCH', `/api/products/${id}/`, user.auth, { status: 1 });
  if (published.status !== 200) throw new Error(`publish: ${JSON.stringify(published.body)}`);
  return id;
}

/** Polls a process until it has ended; returns its last answer. */
export async function processEnded(server: TestServer, auth: string, processId: number, timeoutMs = 60_000): Promise<Json> {
  const call = httpClient(server);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const shown = await call('GET', `/api/processes/${processId}/`, auth);
    if (shown.status !== 200) throw new Error(`process ${processId}: ${JSON.stringify(shown.body)}`);
    if (!['Pending', 'Running'].includes(String(shown.body.status))) return shown.body;
    if (Date.now() > deadline) throw new Error(`process ${processId} still ${String(shown.body.status)}: ${JSON.stringify(shown.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
