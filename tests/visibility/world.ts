import type { InjectOptions } from 'fastify';
import { attachTestFile } from '../../services/api/src/downloads/testing';
import type { TestServer } from '../../services/api/src/testing';
import { injector, type Json, type Reply } from '../access/world';

/**
 * Who reads. `member` is in the group the restricted release is open to, `nonMember` in none;
 * `owner` owns every fixture product (and is in no group); `shareHolder` has no account, only the
 * share link of the product it reads.
 */
export const VIEWERS = ['anonymous', 'nonMember', 'member', 'owner', 'admin', 'shareHolder'] as const;
export type ViewerName = (typeof VIEWERS)[number];

export const GROUP = 'dp1-rights';
export const RESTRICTED_RELEASE = 'RIGHTS_RESTRICTED';
export const OPEN_RELEASE = 'RIGHTS_OPEN';

export interface Fixture {
  readonly id: number;
  readonly name: string;
  readonly internalName: string;
  readonly releaseName: string;
  readonly releaseId: number;
  readonly file: number;
  readonly column: number;
  readonly shareKey: string;
  /** Signed download links (the `token` values) each signed-in viewer prepared while the product was public. */
  readonly links: Readonly<Record<string, { readonly zip: string; readonly main: string }>>;
}

export interface RightsWorld {
  readonly server: TestServer;
  readonly users: Readonly<Record<'nonMember' | 'member' | 'owner' | 'admin', { readonly userId: number; readonly auth: string }>>;
  /** `restricted` is in the release restricted to GROUP (once restrict() ran), `open` in a public one. */
  readonly products: { readonly restricted: Fixture; readonly open: Fixture };
  call(options: InjectOptions): Promise<Reply>;
  /** The headers a viewer sends (none for anonymous and share holders). */
  headers(viewer: ViewerName): Record<string, string>;
  /** Sets who may see the restricted release: its group (true) or everyone (false). */
  restrict(restricted: boolean): Promise<void>;
  /** Puts the member in the group, or takes them out. */
  setMembership(member: boolean): Promise<void>;
}

const MAIN_CSV = Buffer.from('ID,RA,DEC,Z\n1,10.5,-3.25,0.41\n2,11.0,-3.5,0.73\n');

export async function buildRightsWorld(server: TestServer): Promise<RightsWorld> {
  const { call, must } = injector(server);
  const user = async (name: string, admin = false) => {
    const created = await server.createUser(name, { admin });
    return { userId: created.userId, auth: created.auth };
  };
  const users = { owner: await user('olive'), member: await user('mia'), nonMember: await user('nick'), admin: await user('ada', true) };
  const asAdmin = { authorization: users.admin.auth };
  const asOwner = { authorization: users.owner.auth };

  await must({ method: 'POST', url: '/api/admin/groups/', headers: asAdmin, payload: { name: GROUP, description: 'DP1 data-rights holders' } }, 201);
  await must({ method: 'POST', url: `/api/admin/groups/${GROUP}/members/`, headers: asAdmin, payload: { user: 'mia' } }, 201);
  const release = async (name: string) => (await must({ method: 'POST', url: '/api/admin/releases/', headers: asAdmin, payload: { name, display_name: `${name} display` } }, 201)).id as number;
  const releases = { restricted: await release(RESTRICTED_RELEASE), open: await release(OPEN_RELEASE) };

  // Registered while both releases are public (the owner is in no group), restricted afterwards.
  const product = async (name: string, releaseName: string, releaseId: number): Promise<Fixture> => {
    const created = await must({ method: 'POST', url: '/api/products/', headers: asOwner, payload: { display_name: name, product_type: 'training_set', release: releaseName } }, 201);
    const id = created.id as number;
    const file = await attachTestFile(server.deps, id, users.owner.userId, { name: 'catalog.csv', role: 0, content: MAIN_CSV, mimeType: 'text/csv' });
    await attachTestFile(server.deps, id, users.owner.userId, { name: 'notes.txt', role: 2, content: Buffer.from(`notes of ${id}\n`), mimeType: 'text/plain' });
    await must({ method: 'POST', url: `/api/products/${id}/registry/`, headers: asOwner }, 200);
    const columns = await must({ method: 'GET', url: `/api/product-contents/?product=${id}&ordering=id`, headers: asOwner }, 200);
    const column = ((columns.results as Json[])[0]?.id as number | undefined) ?? -1;
    const share = await must({ method: 'POST', url: `/api/products/${id}/shares/`, headers: asOwner, payload: {} }, 201);
    // The zip's checksum, computed once, so that prepare and status answer at once.
    for (let i = 0; i < 100 && (await call({ method: 'POST', url: `/api/products/${id}/download/prepare/`, headers: asOwner })).status === 202; i++) await new Promise((r) => setTimeout(r, 50));
    const links: Record<string, { zip: string; main: string }> = {};
    const token = (body: Json) => new URL(String(body.download_url)).searchParams.get('token') ?? '';
    for (const [viewer, u] of Object.entries(users)) {
      const zip = await must({ method: 'POST', url: `/api/products/${id}/download/prepare/`, headers: { authorization: u.auth } }, 200);
      const main = await must({ method: 'POST', url: `/api/products/${id}/download/main-file/prepare/`, headers: { authorization: u.auth } }, 200);
      links[viewer] = { zip: token(zip), main: token(main) };
    }
    return { id, name, internalName: String(created.internal_name), releaseName, releaseId, file, column, shareKey: String(share.key), links };
  };
  const products = {
    restricted: await product('Rights matrix restricted product', RESTRICTED_RELEASE, releases.restricted),
    open: await product('Rights matrix open product', OPEN_RELEASE, releases.open),
  };

  return {
    server, users, products, call,
    headers: (viewer): Record<string, string> => (viewer === 'anonymous' || viewer === 'shareHolder' ? {} : { authorization: users[viewer].auth }),
    async restrict(restricted) {
      await must({ method: 'PUT', url: `/api/releases/${releases.restricted}/access/`, headers: asAdmin, payload: { groups: restricted ? [GROUP] : [] } }, 200);
    },
    async setMembership(member) {
      if (member) await must({ method: 'POST', url: `/api/admin/groups/${GROUP}/members/`, headers: asAdmin, payload: { user: users.member.userId } }, 201);
      else await must({ method: 'DELETE', url: `/api/admin/groups/${GROUP}/members/${users.member.userId}/`, headers: asAdmin }, 204);
    },
  };
}
