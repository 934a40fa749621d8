import { expressionBuilder, sql, type Expression, type ExpressionBuilder, type ExpressionWrapper, type Kysely, type SqlBool } from 'kysely';
import type { CatalogueTables } from '@pz/projections';
import type { RequestCaller } from '../auth/caller';

/**
 * Who may see a product: the ONE rule every read path goes through (lists, search and their
 * option lists, product pages, files, previews, downloads, share links, history, provenance,
 * audit, subscriptions). A product the viewer may not see answers 404, exactly like one that
 * does not exist. Read paths never restate the rule: a query narrows its products with
 * `visibleProductsWhere`, a single product is checked with `visibleProductIds` or
 * `canSeeProduct`, and a stream of events is filtered with `visibleProductIds`.
 *
 * The rule, for a signed-in viewer:
 * - admins see every product (deleted ones too, when the read asks for them);
 * - a deleted product (status 2) only for its owner, and only when the read asks for deleted ones;
 * - a product in a restricted release (`releases.is_public` false) only for its owner and the
 *   members of one of the groups the release is open to (`release_access`, `group_members`);
 * - everything else for every signed-in viewer.
 * Anonymous callers see nothing, except through a share link (`throughShareLink`): then they
 * see what any signed-in non-member sees, so a link to a restricted product opens only for a
 * signed-in member, owner or admin.
 *
 * Group membership and release restrictions are read in the same SQL statement (EXISTS
 * subqueries on the catalogue read model), so a change applies to the next read, and callers
 * pass nothing but the viewer.
 */
export type Viewer = RequestCaller;

export interface VisibilityOptions {
  /** Whether deleted products are wanted (lists ask with `status=2`; lookups by id always do). */
  readonly includeDeleted?: boolean;
  /**
   * The read comes through a share link to this product: an anonymous holder is taken for a
   * signed-in user who owns nothing and is in no group (deleted products stay hidden).
   */
  readonly throughShareLink?: boolean;
}

type ProductsBuilder = ExpressionBuilder<CatalogueTables, 'products'>;
type ReleasesBuilder = ExpressionBuilder<CatalogueTables, 'releases'>;

/** The user id the rule checks memberships and ownership against; null for nobody (an anonymous link holder). */
const viewerId = (viewer: Viewer): number | null => (viewer.kind === 'user' ? viewer.userId : null);

/** Whether the viewer is in one of the groups `releaseName` is restricted to (false for nobody). */
function memberOfReleaseGroups<TB extends keyof CatalogueTables>(eb: ExpressionBuilder<CatalogueTables, TB>, releaseName: Expression<string | null>, userId: number | null): ExpressionWrapper<CatalogueTables, TB, SqlBool> {
  if (userId === null) return eb.val(false).$castTo<SqlBool>();
  // Built apart from `eb`: the subquery names only its own tables and the release name it is given.
  const members = expressionBuilder<CatalogueTables, never>()
    .selectFrom('release_access as ra')
    .innerJoin('group_members as gm', 'gm.group_name', 'ra.group_name')
    .select(sql.lit(1).as('one'))
    .where('ra.release_name', '=', releaseName)
    .where('gm.user_id', '=', userId);
  return eb.exists(members);
}

/** The rule as a SQL condition on the `products` table, for `.where(visibleProductsWhere(viewer))`. */
export function visibleProductsWhere(viewer: Viewer, options: VisibilityOptions = {}): (eb: ProductsBuilder) => Expression<SqlBool> {
  return (eb) => {
    if (viewer.kind === 'anonymous' && !options.throughShareLink) return eb.val(false).$castTo<SqlBool>();
    if (viewer.kind === 'user' && viewer.isAdmin) return options.includeDeleted ? eb.val(true).$castTo<SqlBool>() : eb('products.status', '!=', 2);
    const userId = viewerId(viewer);
    const owns = userId === null ? null : eb('products.owner_id', '=', userId);
    const alive = eb('products.status', '!=', 2);
    const present = options.includeDeleted && owns ? eb.or([alive, owns]) : alive;
    const restricted = eb.exists(
      eb.selectFrom('releases as vr').select(eb.lit(1).as('one')).whereRef('vr.name', '=', 'products.release_name').where('vr.is_public', '=', false),
    );
    const openTo = [eb.not(restricted), memberOfReleaseGroups(eb, eb.ref('products.release_name'), userId), ...(owns ? [owns] : [])];
    return eb.and([present, eb.or(openTo)]);
  };
}

/**
 * Which releases the viewer may know of (`/api/releases/`, and naming a release when creating or
 * editing a product): public ones for everyone signed in; a restricted one only for admins and
 * the members of its groups. Owners of products in a restricted release see those products, not
 * the release's entry: the release list would otherwise tell a former member which releases exist.
 */
export function visibleReleasesWhere(viewer: Viewer): (eb: ReleasesBuilder) => Expression<SqlBool> {
  return (eb) => {
    if (viewer.kind === 'anonymous') return eb.val(false).$castTo<SqlBool>();
    if (viewer.isAdmin) return eb.val(true).$castTo<SqlBool>();
    return eb.or([eb('releases.is_public', '=', true), memberOfReleaseGroups(eb, eb.ref('releases.name'), viewer.userId)]);
  };
}

/** Of these product ids, the ones the viewer may see (deleted ones included for owners and admins). */
export async function visibleProductIds(db: Kysely<CatalogueTables>, viewer: Viewer, ids: readonly number[], options: Pick<VisibilityOptions, 'throughShareLink'> = {}): Promise<Set<number>> {
  if (ids.length === 0 || (viewer.kind === 'anonymous' && !options.throughShareLink)) return new Set();
  const rows = await db
    .selectFrom('products')
    .select('products.id')
    .where('products.id', 'in', [...new Set(ids)])
    .where(visibleProductsWhere(viewer, { ...options, includeDeleted: true }))
    .execute();
  return new Set(rows.map((r) => r.id));
}

/** Whether the viewer may see this product (false for one that does not exist). */
export async function canSeeProduct(db: Kysely<CatalogueTables>, viewer: Viewer, id: number, options: Pick<VisibilityOptions, 'throughShareLink'> = {}): Promise<boolean> {
  return (await visibleProductIds(db, viewer, [id], options)).has(id);
}

/**
 * What decides which products the rule shows this viewer, as a string: two viewers with the same
 * viewpoint see the same products (deleted ones aside: a list asking for them adds who is asking).
 * Kept answers (queries/product-list-cache.ts) are keyed by it. Read from the same tables as the
 * rule: the restricted releases the viewer reaches through a group, and whether it owns a product
 * in a restricted release it does not reach (then its answers are its own).
 */
export async function visibilityViewpoint(db: Kysely<CatalogueTables>, viewer: Viewer): Promise<string> {
  if (viewer.kind === 'anonymous') return 'nobody';
  const userId = viewer.userId;
  const restricted = await db
    .selectFrom('releases')
    .select('releases.name')
    .select((eb) => [
      memberOfReleaseGroups(eb, eb.ref('releases.name'), userId).as('member'),
      eb.exists(eb.selectFrom('products as op').select(eb.lit(1).as('one')).whereRef('op.release_name', '=', 'releases.name').where('op.owner_id', '=', userId)).as('owns'),
    ])
    .where('releases.is_public', '=', false)
    .orderBy('releases.name')
    .execute();
  // Admins reach every restricted release: they share answers with users who reach them all (and,
  // while no release is restricted, with everyone).
  const reached = restricted.filter((r) => viewer.isAdmin || r.member).map((r) => r.name);
  const ownsOutside = !viewer.isAdmin && restricted.some((r) => r.owns && !r.member);
  return JSON.stringify([reached, ownsOutside ? userId : null]);
}
