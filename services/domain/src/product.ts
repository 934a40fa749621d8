import {
  PRODUCT_TYPES,
  REQUIRED_COLUMN_ROLES,
  err,
  internalNameOf,
  ok,
  type EventData,
  type PzEvent,
  type ProductStatus,
  type ProductTypeName,
  type Result,
} from '@pz/contracts';
import type { Caller, Decider } from './aggregate';
import { domainError, type DomainError } from './domain-error';

export interface ProductFile {
  readonly fileId: number;
  readonly role: 0 | 1 | 2;
  readonly name: string;
  readonly sha256: string;
}

export interface ProductColumn {
  readonly id: number;
  readonly name: string;
  readonly ucd: string | null;
  readonly alias: string | null;
  /** Who gave ucd/alias: the owner (a choice, clearing included, a suggestion never overrides), the suggester, or nobody. */
  readonly associatedBy: 'owner' | 'suggestion' | null;
}

/** A role the suggester proposes for a column at registry (see @pz/tables suggestColumnRoles). */
export interface SuggestedAssociation {
  readonly ucd: string;
  readonly alias: string | null;
  readonly confidence: number;
}

/** One column registry found, with what the file says of it and the role suggested for it. */
export interface RegisteredColumn {
  readonly name: string;
  readonly type: string;
  readonly unit?: string | null;
  readonly fileUcd?: string | null;
  readonly description?: string | null;
  readonly suggestion?: SuggestedAssociation;
}

export interface ProductState {
  readonly exists: boolean;
  readonly productId: number;
  readonly ownerId: number;
  readonly typeName: string;
  readonly status: ProductStatus;
  readonly official: boolean;
  readonly displayName: string;
  readonly releaseName: string | null;
  readonly pzCode: string | null;
  readonly files: ReadonlyMap<number, ProductFile>;
  readonly columns: readonly ProductColumn[];
  readonly shares: ReadonlyMap<string, { readonly revoked: boolean }>;
  readonly derivedFrom: readonly number[];
  readonly releaseYear: number | null;
}

export type ProductCommand =
  | { type: 'RegisterProduct'; caller: Caller; data: Omit<EventData<'ProductRegistered'>, 'internalName' | 'ownerId' | 'initialStatus' | 'origin' | 'processId'> & { origin?: string; processId?: string | null; initialStatus?: 0 | 3 }; releaseExists: boolean; releaseYear?: number | null }
  | { type: 'SetReleaseYear'; caller: Caller; releaseYear: number | null }
  | { type: 'EditProductMetadata'; caller: Caller; changes: EventData<'ProductMetadataEdited'>['changes']; releaseExists: boolean }
  | { type: 'AttachProductFile'; caller: Caller; file: Omit<EventData<'ProductFileAttached'>, 'productId'> }
  | { type: 'RemoveProductFile'; caller: Caller; fileId: number }
  | { type: 'RegisterProductContents'; caller: Caller; contents: Omit<EventData<'ProductContentsRegistered'>, 'productId' | 'columns'> & { columns: RegisteredColumn[] }; newColumnIds: readonly number[] }
  | { type: 'FailProductRegistry'; caller: Caller; fileId: number | null; code: string; reason: string }
  | { type: 'AssociateColumn'; caller: Caller; columnName: string; ucd: string | null; alias: string | null }
  | { type: 'PublishProduct'; caller: Caller }
  /** A pipeline output (status 3) whose run failed or was stopped. */
  | { type: 'FailProcessing'; caller: Caller; reason: string }
  | { type: 'DeleteProduct'; caller: Caller }
  | { type: 'SetOfficial'; caller: Caller; official: boolean }
  | { type: 'DeclareDerivation'; caller: Caller; derivedFrom: readonly number[] }
  | { type: 'ShareProduct'; caller: Caller; shareId: string; keyHash: string; expiresAt: string | null }
  | { type: 'RevokeShare'; caller: Caller; shareId: string };

const initialState = (): ProductState => ({
  exists: false,
  productId: 0,
  ownerId: 0,
  typeName: '',
  status: 0,
  official: false,
  displayName: '',
  releaseName: null,
  pzCode: null,
  files: new Map(),
  columns: [],
  shares: new Map(),
  derivedFrom: [],
  releaseYear: null,
});

/** Events recorded before suggestions existed carry no `associatedBy`: a set ucd or alias was then the owner's. */
const associatedByOf = (c: EventData<'ProductContentsRegistered'>['columns'][number]): ProductColumn['associatedBy'] =>
  c.associatedBy ?? (c.ucd !== null || c.alias !== null ? 'owner' : null);

function evolve(state: ProductState, event: PzEvent): ProductState {
  switch (event.type) {
    case 'ProductRegistered': {
      const d = event.data;
      return { ...initialState(), exists: true, productId: d.productId, ownerId: d.ownerId, typeName: d.productTypeName, status: d.initialStatus, official: d.officialProduct, displayName: d.displayName, releaseName: d.releaseName, pzCode: d.pzCode, derivedFrom: d.derivedFrom };
    }
    case 'ProductMetadataEdited': {
      const c = event.data.changes;
      return {
        ...state,
        displayName: c.displayName ?? state.displayName,
        releaseName: c.releaseName !== undefined ? c.releaseName : state.releaseName,
        pzCode: c.pzCode !== undefined ? c.pzCode : state.pzCode,
      };
    }
    case 'ProductFileAttached': {
      const files = new Map(state.files);
      files.set(event.data.fileId, { fileId: event.data.fileId, role: event.data.role, name: event.data.name, sha256: event.data.sha256 });
      return { ...state, files };
    }
    case 'ProductFileRemoved': {
      const files = new Map(state.files);
      files.delete(event.data.fileId);
      return { ...state, files, columns: state.files.get(event.data.fileId)?.role === 0 ? [] : state.columns };
    }
    case 'ProductContentsRegistered':
      return { ...state, columns: event.data.columns.map((c) => ({ id: c.id, name: c.name, ucd: c.ucd, alias: c.alias, associatedBy: associatedByOf(c) })), status: state.status === 9 ? 0 : state.status };
    case 'ProductRegistryFailed':
      return { ...state, status: 9, columns: [] };
    case 'ProductColumnAssociated':
      return { ...state, columns: state.columns.map((c) => (c.name === event.data.columnName ? { ...c, ucd: event.data.ucd, alias: event.data.alias, associatedBy: 'owner' } : c)) };
    case 'ProductPublished':
      return { ...state, status: 1 };
    case 'ProductProcessingFailed':
      return { ...state, status: 9 };
    case 'ProductDeleted':
      return { ...state, status: 2 };
    case 'ProductMarkedOfficial':
      return { ...state, official: true };
    case 'ProductOfficialCleared':
      return { ...state, official: false };
    case 'ProductDerivationDeclared':
      return { ...state, derivedFrom: event.data.derivedFrom };
    case 'ProductReleaseYearSet':
      return { ...state, releaseYear: event.data.releaseYear };
    case 'ProductShared': {
      const shares = new Map(state.shares);
      shares.set(event.data.shareId, { revoked: false });
      return { ...state, shares };
    }
    case 'ProductShareRevoked': {
      const shares = new Map(state.shares);
      shares.set(event.data.shareId, { revoked: true });
      return { ...state, shares };
    }
    default:
      return state;
  }
}

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/** Checks a free-text field: present when required, bounded, no control characters. */
export function checkText(value: string | null | undefined, field: string, options: { required?: boolean; max: number; multiline?: boolean }): DomainError | null {
  if (value === null || value === undefined || value === '') {
    return options.required ? domainError('VALIDATION_FAILED', `${field} is required`, field) : null;
  }
  if (value.length > options.max) return domainError('VALIDATION_FAILED', `${field} is longer than ${options.max} characters`, field);
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  const forbidden = options.multiline ? /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/ : CONTROL_CHARS;
  if (forbidden.test(value)) return domainError('VALIDATION_FAILED', `${field} contains control characters`, field);
  return null;
}

const typeRules = (name: string) => PRODUCT_TYPES.find((t) => t.name === name);

function checkTypeRules(typeName: string, releaseName: string | null, pzCode: string | null, releaseExists: boolean): DomainError | null {
  const rules = typeRules(typeName);
  if (!rules) return domainError('VALIDATION_FAILED', `product_type "${typeName}" does not exist`, 'product_type');
  if (releaseName && !rules.releaseAllowed) return domainError('VALIDATION_FAILED', `release must be empty for ${rules.displayName} products`, 'release');
  if (releaseName && !releaseExists) return domainError('VALIDATION_FAILED', `release "${releaseName}" does not exist`, 'release');
  if (pzCode && !rules.pzCodeAllowed) return domainError('VALIDATION_FAILED', `pz_code must be empty for ${rules.displayName} products`, 'pz_code');
  return null;
}

/**
 * Longest description per product type, in characters. Tabular products describe their columns,
 * often in a Markdown table (a few hundred columns fit in 64,000 characters); the others hold a
 * summary and links. Descriptions are rendered once, when written, but they are sent with every
 * product and kept in every cached list page: a bound keeps both small. (Events already
 * recorded under the earlier single bound of 100,000 characters stay as they are.)
 */
export const MAX_DESCRIPTION_LENGTH = { tabular: 64_000, other: 16_000 } as const;

export const maxDescriptionLength = (typeName: string): number => (typeRules(typeName)?.tabular ? MAX_DESCRIPTION_LENGTH.tabular : MAX_DESCRIPTION_LENGTH.other);

/** A calendar year, as the reference model's `release_year` holds one. */
function checkReleaseYear(year: number): DomainError | null {
  return Number.isInteger(year) && year >= 1000 && year <= 9999 ? null : domainError('VALIDATION_FAILED', `release_year must be a year (1000-9999), not ${year}`, 'release_year');
}

const canChange = (state: ProductState, caller: Caller): boolean => caller.isAdmin || caller.userId === state.ownerId;

function guard(state: ProductState, caller: Caller, what: string): DomainError | null {
  if (!state.exists) return domainError('NOT_FOUND', 'product not found');
  if (!canChange(state, caller)) return domainError('FORBIDDEN', `only the owner of this product or an admin may ${what}`);
  return null;
}

const decided = (events: PzEvent[]): Result<PzEvent[], DomainError> => ok(events);

function decide(command: ProductCommand, state: ProductState): Result<PzEvent[], DomainError> {
  if (command.type === 'RegisterProduct') {
    if (state.exists) return err(domainError('ALREADY_EXISTS', `product ${state.productId} already exists`));
    const d = command.data;
    const problem =
      checkText(d.displayName, 'display_name', { required: true, max: 255 }) ??
      checkText(d.description, 'description', { max: maxDescriptionLength(d.productTypeName), multiline: true }) ??
      checkText(d.pzCode, 'pz_code', { max: 64 }) ??
      checkTypeRules(d.productTypeName, d.releaseName, d.pzCode, command.releaseExists);
    if (problem) return err(problem);
    if (d.officialProduct && !command.caller.isAdmin) return err(domainError('FORBIDDEN', 'only admins may create official products', 'official_product'));
    if (d.derivedFrom.includes(d.productId)) return err(domainError('VALIDATION_FAILED', 'a product cannot be derived from itself', 'derived_from'));
    const year = command.releaseYear ?? null;
    const badYear = year === null ? null : checkReleaseYear(year);
    if (badYear) return err(badYear);
    return decided([
      {
        type: 'ProductRegistered',
        data: {
          ...d,
          internalName: internalNameOf(d.productId, d.displayName),
          ownerId: command.caller.userId,
          origin: d.origin ?? 'Upload',
          processId: d.processId ?? null,
          initialStatus: d.initialStatus ?? 0,
        },
      },
      ...(year === null ? [] : [{ type: 'ProductReleaseYearSet' as const, data: { productId: d.productId, releaseYear: year } }]),
    ]);
  }

  const refused = guard(state, command.caller, describe(command.type));
  if (refused) return err(refused);
  const productId = state.productId;
  const deleted = state.status === 2;
  if (deleted && command.type !== 'DeleteProduct') return err(domainError('INVALID_STATE', 'this product was deleted'));

  switch (command.type) {
    case 'EditProductMetadata': {
      const c = command.changes;
      const problem =
        (c.displayName !== undefined ? checkText(c.displayName, 'display_name', { required: true, max: 255 }) : null) ??
        (c.description !== undefined ? checkText(c.description, 'description', { max: maxDescriptionLength(state.typeName), multiline: true }) : null) ??
        (c.pzCode !== undefined ? checkText(c.pzCode, 'pz_code', { max: 64 }) : null) ??
        checkTypeRules(state.typeName, c.releaseName !== undefined ? c.releaseName : null, c.pzCode !== undefined ? c.pzCode : null, command.releaseExists);
      if (problem) return err(problem);
      const changes = Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined));
      if (Object.keys(changes).length === 0) return decided([]);
      return decided([{ type: 'ProductMetadataEdited', data: { productId, changes } }]);
    }
    case 'SetReleaseYear': {
      const badYear = command.releaseYear === null ? null : checkReleaseYear(command.releaseYear);
      if (badYear) return err(badYear);
      if (command.releaseYear === state.releaseYear) return decided([]);
      return decided([{ type: 'ProductReleaseYearSet', data: { productId, releaseYear: command.releaseYear } }]);
    }
    case 'AttachProductFile': {
      if (command.caller.userId !== state.ownerId) return err(domainError('FORBIDDEN', 'only the owner may add files to this product'));
      const f = command.file;
      if (f.role === 0 && state.status === 1) return err(domainError('INVALID_STATE', 'this product is published: its main file can no longer change', 'role'));
      const problem = checkText(f.name, 'file', { required: true, max: 255 });
      if (problem) return err(problem);
      if (f.role === 0 && [...state.files.values()].some((x) => x.role === 0)) {
        return err(domainError('VALIDATION_FAILED', 'this product already has a main file; delete it first', 'role'));
      }
      return decided([{ type: 'ProductFileAttached', data: { ...f, productId } }]);
    }
    case 'RemoveProductFile':
      if (!state.files.has(command.fileId)) return err(domainError('NOT_FOUND', `file ${command.fileId} is not attached to this product`));
      if (state.files.get(command.fileId)?.role === 0 && state.status === 1) return err(domainError('INVALID_STATE', 'this product is published: its main file can no longer change'));
      return decided([{ type: 'ProductFileRemoved', data: { productId, fileId: command.fileId } }]);
    case 'RegisterProductContents': {
      const stale = staleMainFile(state, command.contents.fileId);
      if (stale) return err(stale);
      const previous = new Map(state.columns.map((c) => [c.name, c]));
      const names = new Set(command.contents.columns.map((c) => c.name));
      // Roles the owner gave to columns that are still there: no suggestion may take them.
      const ownersRoles = new Set(state.columns.filter((c) => c.associatedBy === 'owner' && c.alias !== null && names.has(c.name)).map((c) => c.alias));
      let fresh = 0;
      const columns = command.contents.columns.map((c, order) => {
        const earlier = previous.get(c.name);
        const id = earlier?.id ?? command.newColumnIds[fresh++];
        if (id === undefined) throw new Error('not enough column ids allocated');
        const fromFile = {
          ...(c.unit == null ? {} : { unit: c.unit }),
          ...(c.fileUcd == null ? {} : { fileUcd: c.fileUcd }),
          ...(c.description == null ? {} : { description: c.description }),
        };
        const base = { id, name: c.name, type: c.type, order, ...fromFile };
        if (earlier?.associatedBy === 'owner') return { ...base, ucd: earlier.ucd, alias: earlier.alias, associatedBy: 'owner' as const };
        const suggestion = c.suggestion;
        if (suggestion && (suggestion.alias === null || !ownersRoles.has(suggestion.alias))) {
          return { ...base, ucd: suggestion.ucd, alias: suggestion.alias, associatedBy: 'suggestion' as const, confidence: suggestion.confidence };
        }
        return { ...base, ucd: null, alias: null };
      });
      return decided([{ type: 'ProductContentsRegistered', data: { ...command.contents, productId, columns } }]);
    }
    case 'FailProductRegistry': {
      const stale = command.fileId === null ? null : staleMainFile(state, command.fileId);
      if (stale) return err(stale);
      return decided([{ type: 'ProductRegistryFailed', data: { productId, fileId: command.fileId, code: command.code, reason: command.reason } }]);
    }
    case 'AssociateColumn': {
      const column = state.columns.find((c) => c.name === command.columnName);
      if (!column) return err(domainError('NOT_FOUND', `column "${command.columnName}" not found in this product`));
      const holder = command.alias === null ? undefined : state.columns.find((c) => c.alias === command.alias && c.name !== command.columnName);
      // A role only suggested for another column moves to the one the owner names; one the owner gave stays until cleared.
      if (holder && holder.associatedBy !== 'suggestion') return err(domainError('VALIDATION_FAILED', `the role ${command.alias} is already given to column "${holder.name}"; clear it there first`, 'alias'));
      const required = REQUIRED_COLUMN_ROLES[state.typeName as ProductTypeName] ?? [];
      if (state.status === 1 && column.alias !== null && required.includes(column.alias) && command.alias !== column.alias) {
        return err(domainError('INVALID_STATE', `this product is published: its ${column.alias} column cannot be unmapped`, 'alias'));
      }
      const problem = checkText(command.ucd, 'ucd', { max: 128 }) ?? checkText(command.alias, 'alias', { max: 128 });
      if (problem) return err(problem);
      const moved: PzEvent[] = holder ? [{ type: 'ProductColumnAssociated', data: { productId, columnName: holder.name, ucd: null, alias: null } }] : [];
      return decided([...moved, { type: 'ProductColumnAssociated', data: { productId, columnName: command.columnName, ucd: command.ucd, alias: command.alias } }]);
    }
    case 'PublishProduct': {
      if (state.status === 1) return decided([]);
      const required = REQUIRED_COLUMN_ROLES[state.typeName as ProductTypeName] ?? [];
      const mapped = new Set(state.columns.map((c) => c.alias).filter((a): a is string => a !== null));
      const missing = required.filter((role) => !mapped.has(role));
      if (missing.length > 0) {
        return err(domainError('MISSING_REQUIRED_COLUMNS', `cannot publish: the required column associations are missing: ${missing.join(', ')}`, 'status'));
      }
      if (![...state.files.values()].some((f) => f.role === 0)) return err(domainError('VALIDATION_FAILED', 'cannot publish a product without a main file', 'status'));
      return decided([{ type: 'ProductPublished', data: { productId } }]);
    }
    case 'FailProcessing':
      if (state.status !== 3) return decided([]);
      return decided([{ type: 'ProductProcessingFailed', data: { productId, reason: command.reason.slice(0, 2000) } }]);
    case 'DeleteProduct':
      if (deleted) return decided([]);
      return decided([{ type: 'ProductDeleted', data: { productId } }]);
    case 'SetOfficial':
      if (!command.caller.isAdmin) return err(domainError('FORBIDDEN', 'only admins may change the official flag', 'official_product'));
      if (command.official === state.official) return decided([]);
      return decided([{ type: command.official ? 'ProductMarkedOfficial' : 'ProductOfficialCleared', data: { productId } }]);
    case 'DeclareDerivation':
      if (command.derivedFrom.includes(productId)) return err(domainError('VALIDATION_FAILED', 'a product cannot be derived from itself', 'derived_from'));
      return decided([{ type: 'ProductDerivationDeclared', data: { productId, derivedFrom: [...command.derivedFrom] } }]);
    case 'ShareProduct':
      return decided([{ type: 'ProductShared', data: { productId, shareId: command.shareId, keyHash: command.keyHash, expiresAt: command.expiresAt } }]);
    case 'RevokeShare': {
      const share = state.shares.get(command.shareId);
      if (!share) return err(domainError('NOT_FOUND', `share ${command.shareId} not found`));
      if (share.revoked) return decided([]);
      return decided([{ type: 'ProductShareRevoked', data: { productId, shareId: command.shareId } }]);
    }
  }
}

/** Registry results must be about the current main file, not one replaced meanwhile. */
function staleMainFile(state: ProductState, fileId: number): DomainError | null {
  if (state.status === 1) return domainError('INVALID_STATE', 'this product is published: its main file is fixed and needs no new registry');
  if (state.files.get(fileId)?.role !== 0) return domainError('CONFLICT', 'the main file changed while it was being inspected; run registry again');
  return null;
}

function describe(type: ProductCommand['type']): string {
  switch (type) {
    case 'DeleteProduct':
      return 'delete it';
    case 'AttachProductFile':
    case 'RemoveProductFile':
      return 'change its files';
    case 'ShareProduct':
    case 'RevokeShare':
      return 'share it';
    case 'SetOfficial':
      return 'change the official flag';
    default:
      return 'change it';
  }
}

export const productDecider: Decider<ProductState, ProductCommand> = { initialState, evolve, decide };
