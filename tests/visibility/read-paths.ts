import type { Json, Reply } from '../access/world';
import type { Fixture, RightsWorld, ViewerName } from './world';

/**
 * Every read path that shows a product, or any fact about one, with how to ask it about a fixture
 * product and how to tell from the answer whether the viewer saw it. The route inventory test
 * (visibility-matrix.test.ts) fails for a read route of the app that is neither here nor in
 * NOT_ABOUT_PRODUCTS: a read path added later must be added here, and so goes through the matrix.
 *
 * Kinds:
 * - `byId`: names the product (or its file, its column) by id. Not seen: exactly the answer for
 *   an id that does not exist (same status, same body but for the id). Seen: any other answer.
 * - `list`: a list; seen when `shows` finds the product in it.
 * - `share`: opened with the product's share link (the key is the credential).
 * - `release`: the product's release, as the release list and page show it.
 * - `link`: a signed download link the viewer prepared while it could see the product; used
 *   later, it opens only what the viewer may see then (404 as for a missing product otherwise).
 */
export type ReadKind = 'byId' | 'list' | 'share' | 'release' | 'link';

export interface ReadPath {
  /** The route keys (as tests/access/route-table.ts names them) this path covers. */
  readonly routes: readonly string[];
  readonly label: string;
  readonly kind: ReadKind;
  readonly method: 'GET' | 'HEAD' | 'POST';
  /** The URL asking about `f` (for `byId` and `share`, `id` stands for the id or key used). */
  url(w: RightsWorld, f: Fixture, id: string, viewer: ViewerName): string;
  /** Which id of `f` the URL names (`byId`: product, file or column; `share`: the key; `release`: the release id). */
  readonly names?: 'product' | 'file' | 'column' | 'shareKey' | 'release';
  /** For lists: whether the answer shows `f`. */
  shows?(reply: Reply, f: Fixture): boolean;
  /** Viewers not asked, and why (a GET that writes, for those it would write for). */
  readonly skip?: { readonly viewers: readonly ViewerName[]; readonly why: string };
}

const results = (reply: Reply): Json[] => (reply.status === 200 && Array.isArray(reply.body.results) ? (reply.body.results as Json[]) : []);
const listsProduct = (field: 'id' | 'product') => (reply: Reply, f: Fixture) => results(reply).some((r) => r[field] === f.id);

const byId = (path: string, names: 'product' | 'file' | 'column', methods: readonly ('GET' | 'HEAD' | 'POST')[], url: (id: string) => string): ReadPath[] =>
  methods.map((method) => ({ routes: [`${method} ${path}`], label: `${method} ${path}`, kind: 'byId', method, names, url: (_w, _f, id) => url(id) }));

const list = (path: string, label: string, url: (f: Fixture) => string, shows: NonNullable<ReadPath['shows']>, kind: ReadKind = 'list'): ReadPath => ({
  // HEAD runs the GET handler (Fastify) and drops the body: covered with it.
  routes: [`GET ${path}`, `HEAD ${path}`], label, kind, method: 'GET', url: (_w, f) => url(f), shows,
});
const listsRelease = (reply: Reply, f: Fixture) => results(reply).some((r) => r.name === f.releaseName);

const GET_HEAD = ['GET', 'HEAD'] as const;
/** An instant after every event of the test: time travel to it shows the products as they are now. */
const FAR_FUTURE = '2999-01-01T00:00:00Z';

export const READ_PATHS: readonly ReadPath[] = [
  ...byId('/api/products/:id', 'product', GET_HEAD, (id) => `/api/products/${id}/`),
  ...['read_data', 'main_file_info', 'registry/status', 'download', 'download/status', 'download/main-file/status', 'download_main_file', 'shares', 'process_config'].flatMap((sub) =>
    byId(`/api/products/:id/${sub}`, 'product', GET_HEAD, (id) => `/api/products/${id}/${sub}/`)),
  // Provenance and history (issue 20): a hidden ancestor in a graph is a redacted node (tests of those routes).
  ...['history', 'provenance', 'provenance/prov-json', 'provenance/prov-n', 'provenance/prov-o'].flatMap((sub) =>
    byId(`/api/products/:id/${sub}`, 'product', GET_HEAD, (id) => `/api/products/${id}/${sub}/`)),
  ...byId('/api/products/:id/as-of', 'product', GET_HEAD, (id) => `/api/products/${id}/as-of/?at=${FAR_FUTURE}`),
  // The pzserver client runs registry with a GET: for the owner and admins it registers the main
  // file again (a write, which would change the product under the prepared links); everyone else
  // is asked.
  ...byId('/api/products/:id/registry', 'product', ['GET'], (id) => `/api/products/${id}/registry/`).map((p) => ({ ...p, skip: { viewers: ['owner', 'admin'] as const, why: 'runs registry' } })),
  ...byId('/api/products/:id/download/prepare', 'product', ['POST'], (id) => `/api/products/${id}/download/prepare/`),
  ...byId('/api/products/:id/download/main-file/prepare', 'product', ['POST'], (id) => `/api/products/${id}/download/main-file/prepare/`),
  ...byId('/api/product-files/:id', 'file', GET_HEAD, (id) => `/api/product-files/${id}/`),
  ...byId('/api/product-files/:id/content', 'file', GET_HEAD, (id) => `/api/product-files/${id}/content/`),
  ...byId('/api/product-contents/:id', 'column', GET_HEAD, (id) => `/api/product-contents/${id}/`),

  list('/api/products', 'every product', () => '/api/products/?page_size=1000', listsProduct('id')),
  list('/api/products', 'search', (f) => `/api/products/?search=${encodeURIComponent(f.name)}`, listsProduct('id')),
  list('/api/products', 'release filter (id)', (f) => `/api/products/?release=${f.releaseId}`, listsProduct('id')),
  list('/api/products', 'release filter (name)', (f) => `/api/products/?release=${f.releaseName}`, listsProduct('id')),
  list('/api/products', 'release_name filter', (f) => `/api/products/?release_name=${f.releaseName}`, listsProduct('id')),
  list('/api/products', 'product_name filter', (f) => `/api/products/?product_name=${encodeURIComponent(f.name)}`, listsProduct('id')),
  list('/api/products', 'internal_name filter', (f) => `/api/products/?internal_name=${f.internalName}`, listsProduct('id')),
  list('/api/products', 'id filter', (f) => `/api/products/?id=${f.id}`, listsProduct('id')),
  list('/api/products', 'owner filter', () => '/api/products/?uploaded_by=olive&ordering=id', listsProduct('id')),
  list('/api/products', 'deleted ones asked for too', () => '/api/products/?status__in=0,1,2&page_size=1000', listsProduct('id')),
  list('/api/products/as-of', 'the catalogue as of an instant', () => `/api/products/as-of/?at=${FAR_FUTURE}`, listsProduct('id')),
  list('/api/product-files', 'files of the product', (f) => `/api/product-files/?product_id=${f.id}`, listsProduct('product')),
  list('/api/product-files', 'file by id', (f) => `/api/product-files/?id=${f.file}`, listsProduct('product')),
  list('/api/product-contents', 'columns of the product', (f) => `/api/product-contents/?product=${f.id}`, listsProduct('product')),
  list('/api/product-contents', 'column by id', (f) => `/api/product-contents/?id=${f.column}`, listsProduct('product')),

  ...(['', 'download/'] as const).flatMap((sub) =>
    GET_HEAD.map((method): ReadPath => ({ routes: [`${method} /api/shared/:key${sub ? '/download' : ''}`], label: `${method} share link ${sub}`, kind: 'share', method, names: 'shareKey', url: (_w, _f, key) => `/api/shared/${key}/${sub}` }))),

  ...(['zip', 'main'] as const).flatMap((kind) => GET_HEAD.map((method): ReadPath => {
    const path = kind === 'zip' ? 'download/file' : 'download/main-file/file';
    return {
      routes: [`${method} /api/products/:id/${path}`], label: `${method} prepared ${kind} link`, kind: 'link', method, names: 'product',
      url: (_w, f, id, viewer) => {
        const link = f.links[viewer];
        return `/api/products/${id}/${path}/${link ? `?token=${encodeURIComponent(link[kind])}` : ''}`;
      },
    };
  })),

  list('/api/releases', 'releases', () => '/api/releases/', listsRelease, 'release'),
  list('/api/releases', 'release by name', (f) => `/api/releases/?name=${f.releaseName}`, listsRelease, 'release'),
  list('/api/releases', 'release search', (f) => `/api/releases/?search=${f.releaseName}`, listsRelease, 'release'),
  ...GET_HEAD.map((method): ReadPath => ({ routes: [`${method} /api/releases/:id`], label: `${method} one release`, kind: 'release', method, names: 'release', url: (_w, _f, id) => `/api/releases/${id}/` })),
];

/**
 * Filter and option metadata (OPTIONS): the same for every caller, and it must never name a
 * product, an owner or a restricted release (checked for every viewer).
 */
export const OPTION_PATHS = ['/api/products/', '/api/product-files/', '/api/product-contents/', '/api/releases/', '/api/product-types/'] as const;

/**
 * Read routes that show nothing of any product (why, each). A new read route must be added to
 * READ_PATHS, or here with its reason.
 */
export const NOT_ABOUT_PRODUCTS: Readonly<Record<string, string>> = {
  'GET /api': 'links to the collections',
  'HEAD /api': 'links to the collections',
  'GET /api/product-types': 'the fixed product types',
  'HEAD /api/product-types': 'the fixed product types',
  'GET /api/product-types/:id': 'the fixed product types',
  'HEAD /api/product-types/:id': 'the fixed product types',
  'GET /api/users': 'accounts, not products (owners of restricted products are listed as users of the service)',
  'HEAD /api/users': 'accounts, not products',
  'GET /api/logged_user': 'the caller\'s own account',
  'HEAD /api/logged_user': 'the caller\'s own account',
  'GET /api/logged_user/groups': 'the caller\'s own groups',
  'HEAD /api/logged_user/groups': 'the caller\'s own groups',
  'GET /api/admin/groups': 'admins only: groups',
  'HEAD /api/admin/groups': 'admins only: groups',
  'GET /api/admin/groups/:name/members': 'admins only: memberships',
  'HEAD /api/admin/groups/:name/members': 'admins only: memberships',
  'GET /api/ledger/checkpoints/latest': 'a Merkle root and a signature: no stream names',
  'HEAD /api/ledger/checkpoints/latest': 'a Merkle root and a signature: no stream names',
  'GET /api/ledger/public-key': 'the signing key',
  'HEAD /api/ledger/public-key': 'the signing key',
  'GET /api/admin/ledger/inclusion-proof': 'admins only (who see every product)',
  'HEAD /api/admin/ledger/inclusion-proof': 'admins only (who see every product)',
  'GET /api/auth/providers': 'the identity providers one may log in through',
  'HEAD /api/auth/providers': 'the identity providers one may log in through',
  'GET /api/auth/oidc/login': 'a redirect to the identity provider',
  'HEAD /api/auth/oidc/login': 'a redirect to the identity provider',
  'GET /api/auth/oidc/callback': 'the identity provider\'s answer, starting a session',
  'HEAD /api/auth/oidc/callback': 'the identity provider\'s answer, starting a session',
  'GET /api/pipelines': 'the pipelines and their parameters',
  'HEAD /api/pipelines': 'the pipelines and their parameters',
  'GET /api/pipelines/:id': 'a pipeline and its parameters',
  'HEAD /api/pipelines/:id': 'a pipeline and its parameters',
  // Runs are named by a run id, not a product's: the fixtures have none. The route answers through
  // canSeeProduct on the run's output (404 exactly as for no run); routes/pipelines.test.ts hides
  // an output and sees the run and its stop answer 404.
  'GET /api/processes': "the caller's own runs, whose outputs are the caller's own products (an admin's list: every run; admins see every product)",
  'HEAD /api/processes': "the caller's own runs, whose outputs are the caller's own products (an admin's list: every run; admins see every product)",
  'GET /api/processes/:id': 'a run: seen by who may see its output product (canSeeProduct)',
  'HEAD /api/processes/:id': 'a run: seen by who may see its output product (canSeeProduct)',
  'GET /api/admin/audit': 'admins only (who see every product)',
  'HEAD /api/admin/audit': 'admins only (who see every product)',
  // A stream never ends: routes/events.test.ts checks that a subscriber gets only the events of
  // products it may see, decided at delivery time (a release restricted while it listens).
  'GET /api/events/stream': 'events filtered per subscriber by visibleProductIds at delivery (routes/events.test.ts)',
  'HEAD /api/events/stream': 'events filtered per subscriber by visibleProductIds at delivery (routes/events.test.ts)',
  'GET /api/webhooks': 'the caller\'s own webhooks',
  'HEAD /api/webhooks': 'the caller\'s own webhooks',
  'GET /api/webhooks/:id/deliveries': 'deliveries to the caller\'s own webhook: only events it could see when each was sent',
  'HEAD /api/webhooks/:id/deliveries': 'deliveries to the caller\'s own webhook: only events it could see when each was sent',
  'GET /api/processes/:id/stop': 'stops a run (a GET, as the client calls it): its output product must be visible (canSeeProduct)',
};

/** Routes of the API documentation (static). */
export const isDocsRoute = (key: string): boolean => / \/api\/docs(\/|$)/.test(key);

