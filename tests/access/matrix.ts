import { randomUUID } from 'node:crypto';
import type { InjectOptions } from 'fastify';
import { streamName } from '@pz/contracts';
import { runDecider } from '@pz/domain';
import { newSecretKey } from '../../services/api/src/auth/secrets';
import { systemContext } from '../../services/api/src/commands/command-context';
import { CALLERS, identityOf, shareKeyOf, type CallerName } from './callers';
import type { Reply, World } from './world';

/** `ok`: any 2xx or 3xx; a number: exactly that status. */
export type Outcome = number | 'ok';
export type Expectation = Readonly<Record<CallerName, Outcome>>;

export interface CellRequest {
  readonly url: string;
  readonly payload?: InjectOptions['payload'];
  readonly headers?: Record<string, string>;
}

/** One way of calling a route (say, on a live product or on a deleted one), with what each caller must get. */
export interface Case {
  readonly label: string;
  readonly expect: Expectation;
  request(world: World, caller: CallerName): CellRequest | Promise<CellRequest>;
  /** A further check of an answer; returns what is wrong, or null. */
  check?(world: World, caller: CallerName, reply: Reply): string | null;
  /** Bookkeeping after the call (a rotated token replaces the caller's). */
  after?(world: World, caller: CallerName, reply: Reply): void;
}

const every = (outcome: Outcome): Expectation => Object.fromEntries(CALLERS.map((c) => [c, outcome])) as Record<CallerName, Outcome>;
const but = (base: Expectation, changes: Partial<Expectation>): Expectation => ({ ...base, ...changes });

// The policies. A present but unusable token is refused (401) before any route runs, public or not.
/** Swagger UI and the OpenAPI document: public, and authentication is not even looked at. */
const DOCS = every('ok');
/** Public, but a bad `Authorization` header is still a 401 (OPTIONS metadata, signed download links). */
const PUBLIC = but(every('ok'), { revokedToken: 401 });
/** Public forms (sign-up, login, logout): a session cookie must still echo the CSRF value. */
const PUBLIC_FORM = but(PUBLIC, { sessionNoCsrf: 403 });
/** Any signed-in user; no credentials or a revoked token → 401. */
const SIGNED_IN = but(every('ok'), { anonymous: 401, shareHolder: 401, expiredShareHolder: 401, revokedToken: 401 });
const SIGNED_IN_WRITE = but(SIGNED_IN, { sessionNoCsrf: 403 });
const OWNER_OR_ADMIN_READ = but(SIGNED_IN, { other: 403 });
const OWNER_OR_ADMIN_WRITE = but(SIGNED_IN_WRITE, { other: 403 });
const OWNER_ONLY_WRITE = but(OWNER_OR_ADMIN_WRITE, { admin: 403 });
const ADMIN_ONLY_WRITE = but(SIGNED_IN_WRITE, { owner: 403, other: 403, sessionWithCsrf: 403 });
const ADMIN_ONLY_READ = but(SIGNED_IN, { owner: 403, other: 403, sessionNoCsrf: 403, sessionWithCsrf: 403 });
/** Read-only collections: the write is refused for everyone (405); it reveals nothing, so it needs no account. */
const NOT_ALLOWED = but(every(405), { revokedToken: 401, sessionNoCsrf: 403 });
/** `/api/shared/<key>/`: only the holder of a live link gets in; any other key names nothing. */
const SHARE_LINK = but(every(404), { shareHolder: 'ok', revokedToken: 401 });
/** A deleted product exists only for its owner and admins: others get the 404 of a product that never was. */
const DELETED_READ = but(SIGNED_IN, { other: 404 });
const DELETED_WRITE = but(SIGNED_IN_WRITE, { other: 404, owner: 409, admin: 409, sessionWithCsrf: 409 });

const GET_HEAD = ['GET', 'HEAD'] as const;
const WRITES = ['POST', 'PUT', 'PATCH', 'DELETE'] as const;

let serial = 0;
const unique = (prefix: string) => `${prefix}${Date.now().toString(36)}${(serial += 1)}`;

const simple = (label: string, expect: Expectation, url: (w: World) => string, payload?: (w: World) => InjectOptions['payload']): Case => ({
  label,
  expect,
  request: (w) => ({ url: url(w), ...(payload ? { payload: payload(w) } : {}) }),
});
const notAllowed = (url: (w: World) => string): Case => simple('refused method', NOT_ALLOWED, url, () => ({}));

/** A multipart upload of a small auxiliary file (the product field first, as the route requires). */
function uploadForm(productId: number): CellRequest {
  const boundary = `----pz-matrix-${newSecretKey()}`;
  const field = (name: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const payload = `${field('product', String(productId))}${field('role', '2')}--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="matrix.txt"\r\nContent-Type: text/plain\r\n\r\nmatrix upload\r\n--${boundary}--\r\n`;
  return { url: '/api/product-files/', payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** Count of a list answer must be this for the caller (a deleted product's rows only for owner and admin). */
const deletedRowsSeen = (w: World, caller: CallerName, reply: Reply): string | null => {
  if (reply.status !== 200 || reply.text === '') return null;
  const seesDeleted = caller !== 'other';
  const count = Number(reply.body.count);
  return seesDeleted === count > 0 ? null : `list count ${count} for ${caller}: a deleted product's rows must show to its owner and admins only`;
};

/**
 * The matrix: every (method, path) the app serves → its cases. The test fails for a route the app
 * serves that is missing here, and for an entry here the app no longer serves.
 */
export const MATRIX: Readonly<Record<string, readonly Case[]>> = (() => {
  const m: Record<string, Case[]> = {};
  const add = (methods: readonly string[], path: string, ...cases: Case[]) => {
    for (const method of methods) (m[`${method} ${path}`] ??= []).push(...cases);
  };

  // Documentation: public.
  for (const path of ['/api/docs', '/api/docs/static/index.html', '/api/docs/static/swagger-initializer.js', '/api/docs/json', '/api/docs/yaml']) {
    add(GET_HEAD, path, simple('docs', DOCS, () => `${path}${path === '/api/docs' ? '/' : ''}`));
  }
  add(GET_HEAD, '/api/docs/*', simple('docs asset', DOCS, () => '/api/docs/static/logo.svg'));

  // Account.
  add(GET_HEAD, '/api', simple('api root', SIGNED_IN, () => '/api/'));
  // Sign-up and login are reached when their validation answers (400): an scrypt per cell would
  // dominate the run, and real sign-ups and logins happen in the fixtures and the tests below.
  const REACHED_FORM = but(PUBLIC_FORM, { anonymous: 400, other: 400, owner: 400, admin: 400, shareHolder: 400, expiredShareHolder: 400, sessionWithCsrf: 400 });
  add(['POST'], '/api/auth/register', simple('sign up without a password', REACHED_FORM, () => '/api/auth/register/', () => ({ username: unique('matrix') })));
  add(['POST'], '/api/auth/login', simple('log in without a password', REACHED_FORM, () => '/api/auth/login/', (w) => ({ username: w.alice.username })));
  add(['POST'], '/api/auth/logout', {
    ...simple('log out', PUBLIC_FORM, () => '/api/auth/logout/'),
    // Signing out ends the session on the server, so the session callers sign out of a sign-in of
    // their own, opened here: the shared one must live on for the other routes.
    request: async (w, caller): Promise<CellRequest> => {
      if (caller !== 'sessionNoCsrf' && caller !== 'sessionWithCsrf') return { url: '/api/auth/logout/' };
      const csrf = newSecretKey();
      const cookie = `pz_session=${await w.server.deps.sessions.start(w.alice.userId)}; pz_csrf=${csrf}`;
      const headers: Record<string, string> = caller === 'sessionWithCsrf' ? { cookie, 'x-csrftoken': csrf } : { cookie };
      return { url: '/api/auth/logout/', headers };
    },
  });
  add(['POST'], '/api/admin/releases', simple('add a release', ADMIN_ONLY_WRITE, () => '/api/admin/releases/', () => ({ name: unique('R'), display_name: 'Matrix release' })));
  add(GET_HEAD, '/api/logged_user', {
    ...simple('who am I', SIGNED_IN, () => '/api/logged_user/'),
    check: (w, caller, reply) => (reply.status === 200 && reply.body.username !== undefined && reply.body.username !== identityOf(w, caller)?.username ? `answered as ${String(reply.body.username)}` : null),
  });
  add(['POST'], '/api/logged_user', simple('who am I (the client POSTs)', SIGNED_IN_WRITE, () => '/api/logged_user/'));
  add(['POST'], '/api/get_token', {
    ...simple('rotate my token', SIGNED_IN_WRITE, () => '/api/get_token/'),
    after: (w, caller, reply) => {
      const identity = identityOf(w, caller);
      if (reply.status !== 200 || !identity) return;
      identity.auth = `Token ${String(reply.body.token)}`;
      w.secrets.push(String(reply.body.token));
    },
  });

  // Reference data: read by any signed-in user, never written through these paths.
  for (const [list, one] of [['/api/product-types', '/api/product-types/1/'], ['/api/releases', '/api/releases/1/']] as const) {
    add(GET_HEAD, list, simple('list', SIGNED_IN, () => `${list}/`));
    add(['OPTIONS'], list, simple('filter metadata', PUBLIC, () => `${list}/`));
    add(WRITES, list, notAllowed(() => `${list}/`));
    add(GET_HEAD, `${list}/:id`, simple('one', SIGNED_IN, () => one));
    add(WRITES, `${list}/:id`, notAllowed(() => one));
  }
  add(GET_HEAD, '/api/users', simple('list', SIGNED_IN, () => '/api/users/'));
  add(WRITES, '/api/users', notAllowed(() => '/api/users/'));

  // Products.
  const product = (w: World) => `/api/products/${w.products.readable}/`;
  const writable = (w: World) => `/api/products/${w.products.writable}/`;
  const deleted = (w: World) => `/api/products/${w.products.deleted}/`;
  add(GET_HEAD, '/api/products', simple('list', SIGNED_IN, () => '/api/products/'), {
    ...simple('deleted ones asked for', SIGNED_IN, (w) => `/api/products/?status=2&id=${w.products.deleted}`),
    check: deletedRowsSeen,
  });
  add(['OPTIONS'], '/api/products', simple('filter metadata', PUBLIC, () => '/api/products/'));
  add(['POST'], '/api/products', simple('register', SIGNED_IN_WRITE, () => '/api/products/', () => ({ display_name: 'Matrix registered product', product_type: 'other' })));
  add(GET_HEAD, '/api/products/:id', simple('live product', SIGNED_IN, product), simple('deleted product', DELETED_READ, deleted));
  add(['PATCH'], '/api/products/:id',
    simple('edit', OWNER_OR_ADMIN_WRITE, writable, () => ({ description: 'edited by the access matrix' })),
    simple('edit a deleted product', DELETED_WRITE, deleted, () => ({ description: 'edited by the access matrix' })));
  add(['DELETE'], '/api/products/:id', {
    label: 'delete', expect: OWNER_OR_ADMIN_WRITE,
    request: async (w) => ({ url: `/api/products/${await w.freshProduct()}/` }),
  }, simple('delete a deleted product (idempotent)', but(DELETED_WRITE, { owner: 204, admin: 204, sessionWithCsrf: 204 }), deleted));
  add(['GET', 'POST'], '/api/products/:id/registry',
    simple('run registry', OWNER_OR_ADMIN_WRITE, (w) => `${writable(w)}registry/`),
    simple('run registry of a deleted product', DELETED_WRITE, (w) => `${deleted(w)}registry/`));
  // No registry ran in the background in this world: every caller that may see the product gets
  // 404 (no job), the unauthenticated 401 (registry-background.test.ts covers a job that ran).
  const NO_REGISTRY_JOB = but(every(404), { anonymous: 401, shareHolder: 401, expiredShareHolder: 401, revokedToken: 401 });
  add(GET_HEAD, '/api/products/:id/registry/status',
    simple('live product', NO_REGISTRY_JOB, (w) => `${product(w)}registry/status/`),
    simple('deleted product', NO_REGISTRY_JOB, (w) => `${deleted(w)}registry/status/`));
  for (const sub of ['read_data', 'main_file_info', 'download', 'download/status', 'download/main-file/status', 'download_main_file']) {
    add(GET_HEAD, `/api/products/:id/${sub}`, simple('live product', SIGNED_IN, (w) => `${product(w)}${sub}/`), simple('deleted product', DELETED_READ, (w) => `${deleted(w)}${sub}/`));
  }
  for (const sub of ['download/prepare', 'download/main-file/prepare']) {
    add(['POST'], `/api/products/:id/${sub}`, simple('live product', SIGNED_IN_WRITE, (w) => `${product(w)}${sub}/`), simple('deleted product', but(DELETED_READ, { sessionNoCsrf: 403 }), (w) => `${deleted(w)}${sub}/`));
  }
  // Signed links: the token in the query is the credential.
  const NO_LINK = but(every(403), { revokedToken: 401 });
  add(GET_HEAD, '/api/products/:id/download/file',
    simple('signed link', PUBLIC, (w) => `${product(w)}download/file/?token=${encodeURIComponent(w.downloadTokens.zip)}`),
    simple('no link', NO_LINK, (w) => `${product(w)}download/file/`),
    simple('link for another download', NO_LINK, (w) => `${product(w)}download/file/?token=${encodeURIComponent(w.downloadTokens.main)}`),
    simple('link for another product', NO_LINK, (w) => `${writable(w)}download/file/?token=${encodeURIComponent(w.downloadTokens.zip)}`));
  add(GET_HEAD, '/api/products/:id/download/main-file/file',
    simple('signed link', PUBLIC, (w) => `${product(w)}download/main-file/file/?token=${encodeURIComponent(w.downloadTokens.main)}`),
    simple('no link', NO_LINK, (w) => `${product(w)}download/main-file/file/`),
    simple('link for another download', NO_LINK, (w) => `${product(w)}download/main-file/file/?token=${encodeURIComponent(w.downloadTokens.zip)}`));

  // Share links.
  add(['POST'], '/api/products/:id/shares',
    simple('create', OWNER_OR_ADMIN_WRITE, (w) => `${product(w)}shares/`, () => ({})),
    simple('create for a deleted product', DELETED_WRITE, (w) => `${deleted(w)}shares/`, () => ({})));
  add(GET_HEAD, '/api/products/:id/shares',
    simple('list', OWNER_OR_ADMIN_READ, (w) => `${product(w)}shares/`),
    simple('list of a deleted product', DELETED_READ, (w) => `${deleted(w)}shares/`));
  add(['DELETE'], '/api/products/:id/shares/:shareId', {
    label: 'revoke', expect: OWNER_OR_ADMIN_WRITE,
    request: async (w) => ({ url: `${product(w)}shares/${await w.freshShare(w.products.readable)}/` }),
  });
  for (const [path, sub] of [['/api/shared/:key', ''], ['/api/shared/:key/download', 'download/']] as const) {
    add(GET_HEAD, path,
      { label: 'the caller\'s link', expect: SHARE_LINK, request: (w, caller) => ({ url: `/api/shared/${shareKeyOf(w, caller, newSecretKey())}/${sub}` }) },
      simple('a revoked link', but(every(404), { revokedToken: 401 }), (w) => `/api/shared/${w.shares.revoked}/${sub}`));
  }

  // Product files.
  add(['POST'], '/api/product-files',
    { label: 'upload', expect: OWNER_ONLY_WRITE, request: (w) => uploadForm(w.products.writable) },
    { label: 'upload to a deleted product', expect: but(DELETED_WRITE, { admin: 403 }), request: (w) => uploadForm(w.products.deleted) });
  add(GET_HEAD, '/api/product-files',
    simple('list', SIGNED_IN, (w) => `/api/product-files/?product_id=${w.products.readable}`),
    { ...simple('files of a deleted product', SIGNED_IN, (w) => `/api/product-files/?product_id=${w.products.deleted}`), check: deletedRowsSeen });
  add(['OPTIONS'], '/api/product-files', simple('filter metadata', PUBLIC, () => '/api/product-files/'));
  add(['PUT', 'PATCH', 'DELETE'], '/api/product-files', notAllowed(() => '/api/product-files/'));
  add(GET_HEAD, '/api/product-files/:id', simple('live product', SIGNED_IN, (w) => `/api/product-files/${w.files.readable}/`), simple('deleted product', DELETED_READ, (w) => `/api/product-files/${w.files.deleted}/`));
  add(GET_HEAD, '/api/product-files/:id/content', simple('live product', SIGNED_IN, (w) => `/api/product-files/${w.files.readable}/content/`), simple('deleted product', DELETED_READ, (w) => `/api/product-files/${w.files.deleted}/content/`));
  add(['DELETE'], '/api/product-files/:id', {
    label: 'remove', expect: OWNER_OR_ADMIN_WRITE,
    request: async (w) => ({ url: `/api/product-files/${await w.freshAuxFile(w.products.writable)}/` }),
  }, simple('remove from a deleted product', DELETED_WRITE, (w) => `/api/product-files/${w.files.deleted}/`));
  add(['PUT', 'PATCH'], '/api/product-files/:id', notAllowed((w) => `/api/product-files/${w.files.readable}/`));

  // Product contents.
  add(GET_HEAD, '/api/product-contents',
    simple('list', SIGNED_IN, (w) => `/api/product-contents/?product=${w.products.readable}`),
    { ...simple('columns of a deleted product', SIGNED_IN, (w) => `/api/product-contents/?product=${w.products.deleted}`), check: deletedRowsSeen });
  add(['OPTIONS'], '/api/product-contents', simple('filter metadata', PUBLIC, () => '/api/product-contents/'));
  add(['POST', 'PUT', 'DELETE'], '/api/product-contents', notAllowed(() => '/api/product-contents/'));
  add(GET_HEAD, '/api/product-contents/:id', simple('live product', SIGNED_IN, (w) => `/api/product-contents/${w.columns.readable}/`), simple('deleted product', DELETED_READ, (w) => `/api/product-contents/${w.columns.deleted}/`));
  add(['PATCH'], '/api/product-contents/:id',
    simple('associate', OWNER_OR_ADMIN_WRITE, (w) => `/api/product-contents/${w.columns.writable}/`, () => ({ alias: 'ID' })),
    simple('associate on a deleted product', DELETED_WRITE, (w) => `/api/product-contents/${w.columns.deleted}/`, () => ({ alias: 'ID' })));
  add(['POST', 'PUT', 'DELETE'], '/api/product-contents/:id', notAllowed((w) => `/api/product-contents/${w.columns.readable}/`));

  // Groups and release access (data rights): admins only; one's own groups for any signed-in user.
  const group = async (w: World, member?: number): Promise<string> => {
    const name = unique('matrix-group-');
    const admin = await adminCaller(w);
    const created = await w.call({ method: 'POST', url: '/api/admin/groups/', headers: admin, payload: { name } });
    if (created.status !== 201) throw new Error(`setup: group gave ${created.status}`);
    if (member !== undefined && (await w.call({ method: 'POST', url: `/api/admin/groups/${name}/members/`, headers: admin, payload: { user: member } })).status !== 201) throw new Error('setup: member not added');
    return name;
  };
  const adminCaller = async (w: World) => ({ authorization: w.admin.auth });
  add(GET_HEAD, '/api/admin/groups', simple('list groups', ADMIN_ONLY_READ, () => '/api/admin/groups/'));
  add(['POST'], '/api/admin/groups', simple('create a group', ADMIN_ONLY_WRITE, () => '/api/admin/groups/', () => ({ name: unique('matrix-group-') })));
  add(GET_HEAD, '/api/admin/groups/:name/members', { label: 'members', expect: ADMIN_ONLY_READ, request: async (w) => ({ url: `/api/admin/groups/${await group(w)}/members/` }) });
  add(['POST'], '/api/admin/groups/:name/members', { label: 'add a member', expect: ADMIN_ONLY_WRITE, request: async (w) => ({ url: `/api/admin/groups/${await group(w)}/members/`, payload: { user: w.bob.userId } }) });
  add(['DELETE'], '/api/admin/groups/:name/members/:user', { label: 'remove a member', expect: ADMIN_ONLY_WRITE, request: async (w) => ({ url: `/api/admin/groups/${await group(w, w.bob.userId)}/members/${w.bob.userId}/` }) });
  add(['PUT'], '/api/releases/:id/access', simple('set a release public', ADMIN_ONLY_WRITE, () => '/api/releases/1/access/', () => ({ groups: [] })));
  add(GET_HEAD, '/api/logged_user/groups', simple('my groups', SIGNED_IN, () => '/api/logged_user/groups/'));

  // Ledger integrity: the signed checkpoint and its key are public; verify and inclusion proofs are for admins.
  // One checkpoint per world, signed before the first of these cells.
  const checkpointed = new WeakMap<World, Promise<unknown>>();
  const signed = async (w: World, url: string): Promise<CellRequest> => {
    if (!checkpointed.has(w)) checkpointed.set(w, w.server.deps.ledger.checkpointer.checkpointNow());
    await checkpointed.get(w);
    return { url };
  };
  add(GET_HEAD, '/api/ledger/checkpoints/latest', { label: 'latest checkpoint', expect: PUBLIC, request: (w) => signed(w, '/api/ledger/checkpoints/latest/') });
  add(GET_HEAD, '/api/ledger/public-key', simple('public key', PUBLIC, () => '/api/ledger/public-key/'));
  // Identity provider login: public; with no provider configured (this world), its routes answer 404.
  add(GET_HEAD, '/api/auth/providers', simple('identity providers', PUBLIC, () => '/api/auth/providers/'));
  const NO_PROVIDER = but(every(404), { revokedToken: 401 });
  add(GET_HEAD, '/api/auth/oidc/login', simple('start a provider login, none configured', NO_PROVIDER, () => '/api/auth/oidc/login/?next=/'));
  add(GET_HEAD, '/api/auth/oidc/callback', simple('provider callback, none configured', NO_PROVIDER, () => '/api/auth/oidc/callback/?code=x&state=y'));
  add(['POST'], '/api/admin/ledger/verify', {
    ...simple('verify the ledger', ADMIN_ONLY_WRITE, () => '/api/admin/ledger/verify/'),
    check: (_w, _caller, reply) => (reply.status === 200 && reply.body.ok !== true ? `the untouched ledger did not verify: ${reply.text.slice(0, 300)}` : null),
  });
  // Pipelines and processes. One process per world, requested (never run: no job is queued) with
  // alice's readable product as its output: it is shown to whoever may see that product.
  const processes = new WeakMap<World, Promise<number>>();
  const processOf = (w: World): Promise<number> => {
    if (!processes.has(w)) {
      processes.set(w, (async () => {
        const [processId] = await w.server.deps.allocateIds('process');
        const requested = await w.server.deps.bus.execute(runDecider, streamName('run', processId as number), {
          type: 'RequestRun',
          data: {
            runId: randomUUID(), processId: processId as number, pipeline: 'combine_redshift_dedup', pipelineVersion: '1.0.0', displayName: 'Matrix run',
            usedConfig: { param: {} }, inputs: [w.products.readable], inputDetails: [], releaseName: null, outputProductId: w.products.readable, ownerId: w.alice.userId, flagsTranslation: null,
          },
        }, systemContext(randomUUID()));
        if (!requested.ok) throw new Error(requested.error.message);
        return processId as number;
      })());
    }
    return processes.get(w) as Promise<number>;
  };
  add(GET_HEAD, '/api/pipelines', simple('list', SIGNED_IN, () => '/api/pipelines/?name=combine_redshift_dedup'));
  add(GET_HEAD, '/api/pipelines/:id', simple('one', SIGNED_IN, () => '/api/pipelines/1/'));
  add(GET_HEAD, '/api/processes', simple("the caller's processes", SIGNED_IN, () => '/api/processes/?status=Pending,Running'));
  // Reached when its validation answers (no inputs): a run per cell would be a run per caller.
  const REACHED_RUN = but(SIGNED_IN_WRITE, { other: 400, owner: 400, admin: 400, sessionWithCsrf: 400 });
  add(['POST'], '/api/processes', simple('start a run without inputs', REACHED_RUN, () => '/api/processes/', () => ({ display_name: 'Matrix run', pipeline: 1, inputs: [], used_config: '{"param": {}}' })));
  add(GET_HEAD, '/api/processes/:id', { label: 'a process', expect: SIGNED_IN, request: async (w) => ({ url: `/api/processes/${await processOf(w)}/` }) });
  add(['GET'], '/api/processes/:id/stop', { label: 'stop a process', expect: OWNER_OR_ADMIN_WRITE, request: async (w) => ({ url: `/api/processes/${await processOf(w)}/stop/` }) });
  add(GET_HEAD, '/api/products/:id/process_config', simple('live product', SIGNED_IN, (w) => `${product(w)}process_config/`), simple('deleted product', DELETED_READ, (w) => `${deleted(w)}process_config/`));

  add(GET_HEAD, '/api/admin/ledger/inclusion-proof', { label: 'a stream head\'s proof', expect: ADMIN_ONLY_READ, request: (w) => signed(w, `/api/admin/ledger/inclusion-proof/?stream=user-${w.alice.username}`) });

  // Provenance, history and time travel: the product lookup decides (a deleted product is the owner's and admins').
  // Any instant after the world was built: a far one, as a loaded machine may take minutes to build it.
  const now = () => encodeURIComponent('2999-01-01T00:00:00.000Z');
  for (const sub of ['provenance', 'provenance/prov-json', 'provenance/prov-n', 'provenance/prov-o', 'history', 'as-of']) {
    const query = sub === 'as-of' ? `?at=${now()}` : '';
    add(GET_HEAD, `/api/products/:id/${sub}`, simple('live product', SIGNED_IN, (w) => `${product(w)}${sub}/${query}`), simple('deleted product', DELETED_READ, (w) => `${deleted(w)}${sub}/${query}`));
  }
  add(GET_HEAD, '/api/products/as-of', { ...simple('the catalogue then', SIGNED_IN, () => `/api/products/as-of/?at=${now()}`) });
  // The event stream never ends for a caller it accepts: the cell asks from a malformed position, which only a caller let in gets told (400).
  add(GET_HEAD, '/api/events/stream', simple('reached with a malformed position', but(every(400), { anonymous: 401, shareHolder: 401, expiredShareHolder: 401, revokedToken: 401 }), () => '/api/events/stream/?after=not-a-position'));
  // Webhooks: registering asks for a target the guard refuses (no cell makes the server call out); ids name no webhook.
  const REACHED = (base: Expectation): Expectation => Object.fromEntries(Object.entries(base).map(([c, o]) => [c, o === 'ok' ? 400 : o])) as Expectation;
  const NO_SUCH = (base: Expectation): Expectation => Object.fromEntries(Object.entries(base).map(([c, o]) => [c, o === 'ok' ? 404 : o])) as Expectation;
  add(['POST'], '/api/webhooks', simple('register a refused target', REACHED(SIGNED_IN_WRITE), () => '/api/webhooks/', () => ({ url: 'http://169.254.169.254/latest/meta-data/' })));
  add(GET_HEAD, '/api/webhooks', simple('my webhooks', SIGNED_IN, () => '/api/webhooks/'));
  add(GET_HEAD, '/api/webhooks/:id/deliveries', simple('deliveries of a webhook that is not there', NO_SUCH(SIGNED_IN), () => '/api/webhooks/no-such-hook/deliveries/'));
  add(['DELETE'], '/api/webhooks/:id', simple('remove a webhook that is not there', NO_SUCH(SIGNED_IN_WRITE), () => '/api/webhooks/no-such-hook/'));
  add(GET_HEAD, '/api/admin/audit', simple('the audit feed', ADMIN_ONLY_READ, () => '/api/admin/audit/?limit=5'), simple('the audit export', ADMIN_ONLY_READ, () => '/api/admin/audit/?format=csv&type=ProductDeleted'));
  return m;
})();
