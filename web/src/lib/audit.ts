// The coordination group's audit feed (GET /api/admin/audit/) and the ledger's integrity
// (GET /api/ledger/checkpoints/latest/, POST /api/admin/ledger/verify/), as the API answers them.

export interface AuditEntry {
  position: string;
  event_id: string;
  stream: string;
  revision: number;
  type: string;
  recorded_at: string;
  actor: { kind: string; user_id: number | null; username: string | null };
  client: string;
  product_id: number | null;
  data: unknown;
}

export interface AuditPage {
  count: number;
  next: string | null;
  results: AuditEntry[];
}

export interface Checkpoint {
  format: string;
  position: string;
  streams: number;
  root: string;
  time: string;
  key_id: string;
  signature: string;
  note: string;
}

export interface LedgerProblem {
  stream: string | null;
  revision: number | null;
  kind: string;
  message: string;
}

export interface VerifyReport {
  ok: boolean;
  streams: number;
  events: number;
  problems: LedgerProblem[];
  checkpoints: { source: string; checkpoint: Checkpoint; signature_valid: boolean; consistent: boolean; problems: LedgerProblem[] }[];
  checked_at: string;
  duration_ms: number;
}

/** The event types of contracts/src/events.ts (a test keeps this list equal to EVENT_CATALOGUE). */
export const EVENT_TYPES = [
  'ProductTypeSeeded', 'ReleaseAdded', 'UserRegistered', 'UserPasswordChanged', 'UserAdminRoleChanged', 'ApiTokenIssued', 'ApiTokenRevoked',
  'ProductRegistered', 'ProductMetadataEdited', 'ProductReleaseYearSet', 'ProductDerivationDeclared', 'ProductFileAttached', 'ProductFileRemoved',
  'ProductContentsRegistered', 'ProductRegistryFailed', 'ProductColumnAssociated', 'ProductPublished', 'ProductProcessingFailed', 'ProductDeleted',
  'ProductMarkedOfficial', 'ProductOfficialCleared', 'ProductShared', 'ProductShareRevoked',
  'GroupCreated', 'GroupMemberAdded', 'GroupMemberRemoved', 'ReleaseAccessSet', 'IdentityLinked', 'UserProfileChanged',
  'PipelineRunRequested', 'PipelineRunStarted', 'PipelineRunProgressed', 'PipelineRunSucceeded', 'PipelineRunFailed', 'PipelineRunStopped',
] as const;

export interface AuditFilters {
  actor: string;
  type: string;
  product: string;
  /** `YYYY-MM-DDTHH:MM` (a datetime-local value), read as UTC. */
  since: string;
  until: string;
}

export const NO_FILTERS: AuditFilters = { actor: '', type: '', product: '', since: '', until: '' };

/** A datetime-local value read as UTC, as the API's ISO-8601 instant; '' stays ''. */
export function utcInstant(local: string, end = false): string {
  if (!local) return '';
  const withSeconds = /T\d{2}:\d{2}$/.test(local) ? `${local}:${end ? '59.999' : '00.000'}` : local;
  return `${withSeconds}Z`;
}

/** The query string of the audit route for these filters (and cursor / format). */
export function auditQuery(filters: AuditFilters, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams();
  if (filters.actor.trim()) q.set('actor', filters.actor.trim());
  if (filters.type.trim()) q.set('type', filters.type.replace(/\s+/g, ''));
  if (filters.product.trim()) q.set('product', filters.product.trim());
  if (filters.since) q.set('since', utcInstant(filters.since));
  if (filters.until) q.set('until', utcInstant(filters.until, true));
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  const text = q.toString();
  return text ? `?${text}` : '';
}

/** The filters a URL carries (the page keeps them there, so a filtered view can be shared). */
export function filtersFrom(params: URLSearchParams): AuditFilters {
  return { actor: params.get('actor') ?? '', type: params.get('type') ?? '', product: params.get('product') ?? '', since: params.get('since') ?? '', until: params.get('until') ?? '' };
}

/** The same filters as the page's own URL query (datetime-local values kept as typed). */
export function pageQuery(filters: AuditFilters): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(filters)) if (v.trim()) q.set(k, v.trim());
  const text = q.toString();
  return text ? `?${text}` : '';
}

/** An event's data on one line, shortened. */
export function dataSummary(data: unknown, max = 160): string {
  const text = data === undefined ? '' : JSON.stringify(data);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
