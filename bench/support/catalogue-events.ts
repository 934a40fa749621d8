import {
  CURRENT_SCHEMA_VERSION,
  PRODUCT_TYPES,
  internalNameOf,
  streamName,
  validateEvent,
  type EventMetadataInput,
  type NewEvent,
  type PzEvent,
} from '@pz/contracts';
import { eventIdFor } from '@pz/api/commands/event-ids';
import { Random } from './random';

/** The events of one command (or one upload session) for one stream: one `append` call. */
export interface StreamAppend {
  readonly stream: string;
  readonly events: readonly NewEvent[];
}

export interface BenchUser {
  readonly userId: number;
  readonly username: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly tokenId: string;
}

/**
 * How much of a product's life is in its stream: `registered` (ProductRegistered only),
 * `listed` (registered, then mostly published, a few deleted), or `full` (files, table
 * contents and column roles, edits, publication, shares, official flags, deletions).
 */
export type Lifecycle = 'registered' | 'listed' | 'full';

const ALGORITHMS = ['LePhare', 'BPZ', 'FlexZBoost', 'GPz', 'TPZ', 'kNN', 'ANNz2', 'DNF', 'CMNN', 'Delight', 'PZFlow', 'RAIL'];
const SURVEYS = ['DESI', 'VVDS', 'zCOSMOS', '2dFGRS', 'SDSS', 'GAMA', 'DEEP2', 'VIPERS', '6dFGS', 'HSC', 'DES', 'PAUS'];
const QUALIFIERS = ['bright', 'faint', 'deep', 'wide', 'combined', 'cleaned', 'flagship', 'pilot', 'blind', 'mock', 'gold', 'complete'];
const KINDS: Record<string, readonly string[]> = {
  redshift_catalog: ['spec-z sample', 'reference catalog', 'redshift compilation'],
  training_set: ['training set', 'training sample'],
  training_results: ['trained model', 'training run'],
  validation_results: ['validation metrics', 'validation report'],
  photoz_estimates: ['photo-z estimates', 'photo-z PDFs'],
  object_catalog: ['objects', 'photometry'],
  other: ['notes', 'plots', 'scratch'],
};
const TYPE_WEIGHTS: readonly (readonly [(typeof PRODUCT_TYPES)[number], number])[] = PRODUCT_TYPES.map((t) => [
  t,
  { redshift_catalog: 15, training_set: 25, training_results: 10, validation_results: 10, photoz_estimates: 20, object_catalog: 10, other: 10 }[t.name],
]);
const FIRST_NAMES = ['Ana', 'Bruno', 'Carla', 'Daniel', 'Elisa', 'Felipe', 'Gabriela', 'Heitor', 'Ines', 'Julia', 'Karl', 'Luisa', 'Marco', 'Nadia', 'Otto', 'Paula', 'Quentin', 'Rosa', 'Samuel', 'Tania', 'Ulrich', 'Vera', 'William', 'Xenia', 'Yuri', 'Zoe'];
const LAST_NAMES = ['Almeida', 'Bernardi', 'Castro', 'Dias', 'Esposito', 'Fontes', 'Garcia', 'Hahn', 'Ivanova', 'Jensen', 'Kowalski', 'Lima', 'Moreau', 'Nakamura', 'Oliveira', 'Pereira', 'Quiroga', 'Rossi', 'Silva', 'Tanaka', 'Urban', 'Vieira', 'Weber', 'Xu', 'Yilmaz', 'Zanetti'];
const COLUMNS = ['id', 'ra', 'dec', 'z', 'z_err', 'z_flag', 'survey', 'mag_u', 'mag_g', 'mag_r', 'mag_i', 'mag_z', 'mag_y', 'magerr_u', 'magerr_g', 'magerr_r', 'magerr_i', 'magerr_z', 'magerr_y', 'ebv', 'flags'];
const ROLES = [
  { column: 'ra', alias: 'RA', ucd: 'pos.eq.ra;meta.main' },
  { column: 'dec', alias: 'Dec', ucd: 'pos.eq.dec;meta.main' },
  { column: 'z', alias: 'z', ucd: 'src.redshift' },
];
/** Extra releases beside DP1 (which the service seeds itself). */
const EXTRA_RELEASES = [
  { releaseId: 2, name: 'DP02', displayName: 'LSST DP0.2' },
  { releaseId: 3, name: 'DC2', displayName: 'LSST DESC DC2' },
];
const START_TIME = Date.UTC(2025, 0, 6, 9, 0, 0);

/** The words generated display names and owners are made of: what people would search for. */
export const NAME_WORDS = { algorithms: ALGORITHMS, surveys: SURVEYS, qualifiers: QUALIFIERS, lastNames: LAST_NAMES } as const;
const FLUXES = ['u_cModelFlux', 'g_cModelFlux', 'r_cModelFlux', 'i_cModelFlux', 'z_cModelFlux', 'y_cModelFlux'];

/**
 * Realistic catalogue events from a seed: real event types and payload sizes, so the catalogue
 * projection does its real work. The same seed gives the same streams; each product's content
 * depends only on the seed and its id. Ids: users from 1001, products from the caller,
 * files `product·4+k`, columns `product·64+k` (unique, as the id sequences would give).
 */
export class CatalogueGenerator {
  readonly users: readonly BenchUser[];
  private readonly ownerWeights: Float64Array;

  constructor(
    readonly seed: number,
    userCount = 300,
  ) {
    const rng = new Random(seed);
    const taken = new Set<string>();
    const users: BenchUser[] = [];
    for (let i = 0; i < userCount; i++) {
      const firstName = rng.pick(FIRST_NAMES);
      const lastName = rng.pick(LAST_NAMES);
      let username = `${firstName[0]}${lastName}`.toLowerCase();
      if (taken.has(username)) username = `${username}${i}`;
      taken.add(username);
      users.push({ userId: 1001 + i, username, firstName, lastName, tokenId: `bench-token-${1001 + i}` });
    }
    this.users = users;
    // A few people upload most products (Zipf-like), as in any shared archive.
    this.ownerWeights = new Float64Array(userCount);
    let total = 0;
    for (let i = 0; i < userCount; i++) this.ownerWeights[i] = total += 1 / (i + 1) ** 0.8;
  }

  /** The seven product types and DP1, as the service seeds them, then the extra releases. */
  referenceData(): StreamAppend[] {
    const seeded = PRODUCT_TYPES.map((t) =>
      this.append(streamName('producttype', t.name), [{ type: 'ProductTypeSeeded', data: { productTypeId: t.order, name: t.name, displayName: t.displayName, order: t.order, description: t.description } }], null, 0),
    );
    return [...seeded, this.release({ releaseId: 1, name: 'DP1', displayName: 'LSST DP1' }), ...this.extraReleases()];
  }

  extraReleases(): StreamAppend[] {
    return EXTRA_RELEASES.map((r) => this.release(r));
  }

  /** Each user: registered, with an API token whose sha256 is `tokenHash(user)`. */
  userAppends(tokenHash: (user: BenchUser) => string): StreamAppend[] {
    return this.users.map((u, i) =>
      this.append(
        streamName('user', u.username),
        [
          { type: 'UserRegistered', data: { userId: u.userId, username: u.username, firstName: u.firstName, lastName: u.lastName, email: `${u.username}@example.org`, passwordHash: `scrypt$32768$8$1$${new Random(u.userId).hex(32)}$${new Random(u.userId + 1).hex(64)}`, isAdmin: i === 0 } },
          { type: 'ApiTokenIssued', data: { userId: u.userId, tokenId: u.tokenId, tokenHash: tokenHash(u), replacesTokenId: null } },
        ],
        null,
        i,
      ),
    );
  }

  /** One product's stream, appended at once (`no_stream`), as an upload session would leave it. */
  product(productId: number, lifecycle: Lifecycle): StreamAppend {
    const rng = Random.forItem(this.seed, productId);
    const owner = this.pickOwner(rng);
    const type = rng.weighted(TYPE_WEIGHTS);
    const survey = rng.pick(SURVEYS);
    const algorithm = rng.pick(ALGORITHMS);
    const displayName = `${survey} ${rng.pick(QUALIFIERS)} ${rng.pick(KINDS[type.name] ?? ['data'])}${type.pzCodeAllowed || type.name === 'training_results' ? ` ${algorithm}` : ''} v${rng.int(1, 9)}`;
    const releaseName = type.releaseAllowed && rng.chance(0.7) ? rng.weighted([['DP1', 6], ['DP02', 3], ['DC2', 1]] as const) : null;
    const earlier = productId > 10 ? [productId - rng.int(1, Math.min(productId - 1, 5000))] : [];
    const events: PzEvent[] = [
      {
        type: 'ProductRegistered',
        data: {
          productId,
          internalName: internalNameOf(productId, displayName),
          displayName,
          productTypeName: type.name,
          releaseName,
          officialProduct: rng.chance(0.02),
          pzCode: type.pzCodeAllowed && rng.chance(0.6) ? algorithm.toLowerCase() : null,
          description: rng.chance(0.9) ? describe(rng, survey, algorithm) : null,
          ownerId: owner.userId,
          origin: 'Upload',
          processId: null,
          derivedFrom: rng.chance(0.2) ? earlier : [],
          initialStatus: 0,
        },
      },
    ];
    if (lifecycle === 'listed') {
      if (rng.chance(0.85)) events.push({ type: 'ProductPublished', data: { productId } });
      if (rng.chance(0.04)) events.push({ type: 'ProductDeleted', data: { productId } });
    } else if (lifecycle === 'full') {
      events.push(...this.life(rng, productId, type.tabular, displayName));
    }
    return this.append(streamName('product', productId), events, owner, productId);
  }

  /** The `edit`-th later edit of a product's description (or its name): one event for an existing stream. */
  productEdit(productId: number, edit: number, kind: 'description' | 'rename' = 'description'): StreamAppend {
    const rng = Random.forItem(this.seed ^ edit, productId);
    const owner = this.pickOwner(rng);
    const description = describe(rng, rng.pick(SURVEYS), rng.pick(ALGORITHMS));
    // A rename changes what lists choose by (search, product_name, ordering by name).
    const changes = kind === 'description' ? { description } : { displayName: `${rng.pick(SURVEYS)} ${rng.pick(ALGORITHMS)} ${rng.pick(NAME_WORDS.qualifiers)} ${edit}` };
    const appended = this.append(streamName('product', productId), [{ type: 'ProductMetadataEdited', data: { productId, changes } }], owner, productId + edit);
    const commandId = `bench-${this.seed}-edit-${edit}`;
    return { stream: appended.stream, events: appended.events.map((e, index) => ({ ...e, id: eventIdFor(commandId, appended.stream, index) })) };
  }

  private life(rng: Random, productId: number, tabular: boolean, displayName: string): PzEvent[] {
    const events: PzEvent[] = [];
    const slug = internalNameOf(productId, displayName).replace(/^\d+_/, '');
    const file = (k: number, role: 0 | 1 | 2, extension: string, mimeType: string): PzEvent => ({
      type: 'ProductFileAttached',
      data: { productId, fileId: productId * 4 + k, role, name: `${slug}${k ? `_${k}` : ''}.${extension}`, mimeType, extension, size: rng.int(2_000, 900_000_000), sha256: rng.hex(64), crc32: rng.int(0, 0xffffffff), stored: true },
    });
    const mainExtension = tabular ? rng.pick(['csv', 'parquet', 'fits', 'hdf5']) : rng.pick(['pkl', 'zip', 'hdf5', 'tar.gz']);
    events.push(file(0, 0, mainExtension, mainExtension === 'csv' ? 'text/csv' : 'application/octet-stream'));
    if (rng.chance(0.3)) events.push(file(1, 1, 'pdf', 'application/pdf'));
    if (rng.chance(0.15)) events.push(file(2, 2, 'txt', 'text/plain'));
    if (tabular) {
      if (rng.chance(0.95)) {
        const names = COLUMNS.slice(0, rng.int(6, COLUMNS.length));
        events.push({
          type: 'ProductContentsRegistered',
          data: {
            productId,
            fileId: productId * 4,
            format: mainExtension,
            nRows: rng.int(1_000, 20_000_000),
            columns: names.map((name, order) => ({ id: productId * 64 + order, name, type: name === 'id' || name === 'flags' ? 'int64' : name === 'survey' ? 'string' : 'float64', order, ucd: null, alias: null })),
            details: mainExtension === 'csv' ? { delimiter: ',', header: true } : {},
          },
        });
        for (const role of ROLES) events.push({ type: 'ProductColumnAssociated', data: { productId, columnName: role.column, ucd: role.ucd, alias: role.alias } });
      } else {
        events.push({ type: 'ProductRegistryFailed', data: { productId, fileId: productId * 4, code: 'UNREADABLE_TABLE', reason: 'the main file is not a table this service can read' } });
      }
    }
    if (rng.chance(0.2)) events.push({ type: 'ProductMetadataEdited', data: { productId, changes: rng.chance(0.5) ? { description: describe(rng, rng.pick(SURVEYS), rng.pick(ALGORITHMS)) } : { displayName: `${displayName} (revised)` } } });
    if (rng.chance(0.85)) events.push({ type: 'ProductPublished', data: { productId } });
    if (rng.chance(0.02)) events.push({ type: 'ProductMarkedOfficial', data: { productId } });
    if (rng.chance(0.05)) events.push({ type: 'ProductShared', data: { productId, shareId: `bench-share-${productId}`, keyHash: rng.hex(64), expiresAt: null } });
    if (rng.chance(0.04)) events.push({ type: 'ProductDeleted', data: { productId } });
    return events;
  }

  private release(r: { releaseId: number; name: string; displayName: string }): StreamAppend {
    return this.append(
      streamName('release', r.name),
      [{ type: 'ReleaseAdded', data: { ...r, description: `Rubin Observatory ${r.displayName}`, indexingColumn: 'objectId', hasMagHats: false, hasFluxHats: true, dereddening: null, fluxes: FLUXES, isPublic: true } }],
      null,
      r.releaseId,
    );
  }

  private pickOwner(rng: Random): BenchUser {
    const r = rng.next() * (this.ownerWeights[this.ownerWeights.length - 1] as number);
    let lo = 0;
    let hi = this.ownerWeights.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.ownerWeights[mid] as number) < r) lo = mid + 1;
      else hi = mid;
    }
    return this.users[lo] as BenchUser;
  }

  /** Events of one command by `actor` (null: the service itself), at a time that grows with `n`. */
  private append(stream: string, events: readonly PzEvent[], actor: BenchUser | null, n: number): StreamAppend {
    const commandId = `bench-${this.seed}-${stream}`;
    const metadata = (index: number): EventMetadataInput => ({
      actor: actor ? { kind: 'user', userId: actor.userId, username: actor.username } : { kind: 'system', userId: null, username: null },
      client: actor ? { kind: 'token', tokenId: actor.tokenId } : { kind: 'system' },
      correlationId: commandId,
      causationId: commandId,
      recordedAt: new Date(START_TIME + n * 45_000 + index * 7_000).toISOString(),
    });
    return {
      stream,
      events: events.map((event, index) => ({ id: eventIdFor(commandId, stream, index), type: event.type, schemaVersion: CURRENT_SCHEMA_VERSION[event.type], data: event.data, metadata: metadata(index) })),
    };
  }
}

function describe(rng: Random, survey: string, algorithm: string): string {
  const sentences = [
    `Objects matched with ${survey} within 1 arcsec; duplicates removed.`,
    `Photo-z computed with ${algorithm} using the default prior and six bands.`,
    `Magnitude cut at i < ${rng.int(22, 26)}.${rng.int(0, 9)} and quality flag >= ${rng.int(2, 4)}.`,
    `See the attached notes for the selection function and the known outliers.`,
    `Produced for the ${rng.pick(['DESC PZ', 'LIneA', 'Brazil-LSST'])} working group, internal use welcome.`,
  ];
  const count = rng.int(1, sentences.length);
  return sentences.slice(0, count).join(' ');
}

/** Throws on the first generated event that its catalogue schema refuses: benchmarks measure valid data. */
export function assertValid(appends: Iterable<StreamAppend>): void {
  for (const a of appends) {
    for (const e of a.events) {
      const violation = validateEvent(e);
      if (violation) throw new Error(`generated an invalid event in ${a.stream}: ${violation.message}`);
    }
  }
}
