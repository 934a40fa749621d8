import type { ColumnType } from 'kysely';

/** The catalogue read model: one TypeScript description of its tables, checked in every query. */
type Timestamp = ColumnType<Date, string, string>;
type Json<T> = ColumnType<T, string, string>;

export type CatalogueTables = {
  product_types: {
    id: number;
    name: string;
    display_name: string;
    order: number;
    description: string;
    created_at: Timestamp;
  };
  releases: {
    id: number;
    name: string;
    display_name: string;
    description: string;
    created_at: Timestamp;
    indexing_column: string;
    has_mag_hats: boolean;
    has_flux_hats: boolean;
    dereddening: string | null;
    fluxes: Json<string[]>;
    is_public: boolean;
  };
  users: {
    id: number;
    username: string;
    first_name: string;
    last_name: string;
    email: string;
    password_hash: string;
    is_admin: boolean;
    created_at: Timestamp;
  };
  api_tokens: {
    token_id: string;
    user_id: number;
    token_hash: string;
    active: boolean;
    created_at: Timestamp;
  };
  products: {
    id: number;
    internal_name: string;
    display_name: string;
    product_type_name: string;
    release_name: string | null;
    /** Set by ProductReleaseYearSet; null: the year of the release. */
    release_year: ColumnType<number | null, number | null | undefined, number | null>;
    official_product: boolean;
    pz_code: string | null;
    description: string | null;
    /** `description` rendered to safe HTML once, when projected (description-html.ts). */
    description_html: string | null;
    owner_id: number;
    owner_username: string;
    owner_name: string;
    origin: string;
    process_id: string | null;
    /** A pipeline output's run status (Pending, Running, Successful, Failed, Stopped), from the run's events; null for uploads. */
    process_status: string | null;
    status: number;
    created_at: Timestamp;
    updated_at: Timestamp;
    /** Lower-cased display name and owner names: what `search` matches. */
    search_text: string;
    derived_from: Json<number[]>;
    last_revision: ColumnType<string, string, string>;
    /** Log position of the last event that changed this product's rows (see listing-columns.ts). */
    changed_commit: ColumnType<string, string, string>;
    changed_prepare: ColumnType<string, string, string>;
  };
  /** One row: the log position of the last change that may change which products a list shows (see listing-columns.ts). */
  catalogue_listing_changes: {
    id: number;
    commit_position: ColumnType<string, string, string>;
    prepare_position: ColumnType<string, string, string>;
  };
  product_files: {
    id: number;
    product_id: number;
    role: number;
    name: string;
    mime_type: string;
    extension: string;
    size: ColumnType<string, string, string>;
    sha256: string;
    crc32: ColumnType<string, string, string>;
    stored: boolean;
    created: Timestamp;
    updated: Timestamp;
  };
  product_contents: {
    id: number;
    product_id: number;
    column_name: string;
    type: string;
    order: number;
    ucd: string | null;
    alias: string | null;
    unit: string | null;
    file_ucd: string | null;
    description: string | null;
    /** 'owner', 'suggestion', or null when nobody associated the column. */
    associated_by: string | null;
    /** The suggester's confidence (0..1) while `associated_by` is 'suggestion'. */
    confidence: number | null;
  };
  product_registry: {
    product_id: number;
    file_id: number | null;
    format: string | null;
    n_rows: ColumnType<string | null, string | null, string | null>;
    details: Json<Record<string, string | number | boolean | null>>;
    error_code: string | null;
    error_message: string | null;
  };
  /** Groups of users (data rights): a release restricted to groups shows its products to their members. */
  groups: {
    name: string;
    description: string;
    source: string;
    created_at: Timestamp;
  };
  /** One row per membership: a user may be in a group through an admin and through the identity provider. */
  group_members: {
    group_name: string;
    user_id: number;
    /** 'admin' or 'identity_provider'. */
    source: string;
    added_at: Timestamp;
  };
  /** The groups a release is restricted to (with `releases.is_public` false); none for a public release. */
  release_access: {
    release_name: string;
    group_name: string;
  };
  product_shares: {
    share_id: string;
    product_id: number;
    key_hash: string;
    expires_at: Timestamp | null;
    revoked: boolean;
    created_at: Timestamp;
  };
};
