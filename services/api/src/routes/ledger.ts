import { Type } from 'typebox';
import { formatPosition } from '@pz/contracts';
import { checkpointJson, headInclusion, type CheckpointCheck, type VerifyReport } from '@pz/ledger';
import { requireAdmin } from '../auth/require-admin';
import type { PzApp } from '../http/app-types';
import { sendProblem } from '../http/problem';
import { Detail } from './schemas';

const Checkpoint = Type.Object({
  format: Type.String(),
  position: Type.String({ description: 'the global log position the heads were taken at, `<commit>:<prepare>`' }),
  streams: Type.Integer({ description: 'how many streams (leaves) the tree holds' }),
  root: Type.String({ description: 'RFC 6962 Merkle root (hex) over `<stream> <revision> <hash>` leaves, in byte order of the stream names' }),
  time: Type.String(),
  key_id: Type.String({ description: 'sha256 (hex) of the DER public key that signed it (GET /api/ledger/public-key/)' }),
  signature: Type.String({ description: 'Ed25519 over `note`, base64' }),
  note: Type.String({ description: 'the signed text, rebuilt from the fields above' }),
});

const PublicKey = Type.Object({
  algorithm: Type.Literal('Ed25519'),
  key_id: Type.String(),
  public_key_pem: Type.String(),
  public_key: Type.String({ description: 'the raw 32-byte key, base64' }),
});

const Problem = Type.Object({ stream: Type.Union([Type.String(), Type.Null()]), revision: Type.Union([Type.Integer(), Type.Null()]), kind: Type.String(), message: Type.String() });
const Report = Type.Object({
  ok: Type.Boolean(),
  streams: Type.Integer(),
  events: Type.Integer(),
  problems: Type.Array(Problem, { description: 'the first broken link of each broken stream' }),
  checkpoints: Type.Array(Type.Object({
    source: Type.String({ description: '`database` (table ledger_checkpoints) or `file` (DATA_DIR/ledger-checkpoint.json)' }),
    checkpoint: Checkpoint,
    signature_valid: Type.Boolean(),
    consistent: Type.Boolean(),
    problems: Type.Array(Problem),
  }), { description: 'the log checked against the latest signed checkpoint(s); empty before the first' }),
  checked_at: Type.String(),
  duration_ms: Type.Integer(),
});

const Inclusion = Type.Object({
  checkpoint: Checkpoint,
  stream: Type.String(),
  leaf: Type.String({ description: '`<stream> <revision> <hash>`; its leaf hash is sha256(0x00 ‖ leaf)' }),
  leaf_index: Type.Integer(),
  audit_path: Type.Array(Type.String(), { description: 'RFC 6962 audit path (hex), nearest sibling first' }),
});

const revisionOf = (revision: bigint | null): number | null => (revision === null ? null : Number(revision));

function reportJson(report: VerifyReport, startedAt: Date) {
  return {
    ok: report.ok,
    streams: report.streams,
    events: report.events,
    problems: report.problems.map((p) => ({ stream: p.streamName, revision: revisionOf(p.revision), kind: p.kind, message: p.message })),
    checkpoints: report.checkpoints.map((c: CheckpointCheck) => ({
      source: c.source,
      checkpoint: checkpointJson(c.checkpoint),
      signature_valid: c.signatureValid,
      consistent: c.consistent,
      problems: c.problems.map((p) => ({ stream: p.streamName, revision: revisionOf(p.revision), kind: p.kind, message: p.message })),
    })),
    checked_at: startedAt.toISOString(),
    duration_ms: Date.now() - startedAt.getTime(),
  };
}

/**
 * The ledger's integrity, for anyone to check: the latest signed checkpoint of every stream head
 * and the key it is signed with (public), `ledger verify` and a stream head's inclusion proof
 * (admins: stream names say which products and users exist).
 */
export async function ledgerRoutes(app: PzApp): Promise<void> {
  const { ledger } = app.deps;
  // One verification at a time: it reads the whole log; callers arriving meanwhile share its answer.
  let running: Promise<ReturnType<typeof reportJson>> | null = null;

  app.get('/api/ledger/checkpoints/latest/', {
    schema: { summary: 'The latest signed checkpoint of the ledger: a Merkle root over every stream head, Ed25519-signed (public)', security: [], response: { 200: Checkpoint, 404: Detail } },
  }, async (_request, reply) => {
    const latest = await ledger.checkpoints.latest();
    if (!latest) return sendProblem(reply, { code: 'NOT_FOUND', message: 'no checkpoint has been signed yet' });
    return checkpointJson(latest.checkpoint);
  });

  app.get('/api/ledger/public-key/', {
    schema: { summary: 'The Ed25519 public key ledger checkpoints are signed with (public)', security: [], response: { 200: PublicKey } },
  }, async () => ({ algorithm: 'Ed25519' as const, key_id: ledger.publicKey.keyId, public_key_pem: ledger.publicKey.pem, public_key: ledger.publicKey.raw }));

  app.post('/api/admin/ledger/verify/', {
    schema: { summary: 'Verify every stream\'s hash chain and the log against the latest signed checkpoint (admins); `ok` is false when anything was tampered with', response: { 200: Report, 401: Detail, 403: Detail } },
  }, async (request, reply) => {
    if (!requireAdmin(request, reply)) return reply;
    running ??= (async () => {
      const startedAt = new Date();
      try {
        return reportJson(await ledger.verify(), startedAt);
      } finally {
        running = null;
      }
    })();
    const report = await running;
    if (!report.ok) request.log.warn({ problems: report.problems.length, checkpoints: report.checkpoints.map((c) => c.problems.length) }, 'ledger verify found tampering');
    return report;
  });

  app.get('/api/admin/ledger/inclusion-proof/', {
    schema: {
      summary: 'Proof that a stream\'s head is a leaf of the latest checkpoint (admins)',
      querystring: Type.Object({ stream: Type.String({ minLength: 1, maxLength: 300 }) }),
      response: { 200: Inclusion, 400: Detail, 401: Detail, 403: Detail, 404: Detail },
    },
  }, async (request, reply) => {
    if (!requireAdmin(request, reply)) return reply;
    const latest = await ledger.checkpoints.latest();
    if (!latest?.heads) return sendProblem(reply, { code: 'NOT_FOUND', message: 'no checkpoint with its stream heads has been signed yet' });
    const proof = headInclusion(latest.heads, request.query.stream);
    if (!proof) return sendProblem(reply, { code: 'NOT_FOUND', message: `stream ${request.query.stream} is not in the checkpoint at ${formatPosition(latest.checkpoint.position)}`, field: 'stream' });
    return { checkpoint: checkpointJson(latest.checkpoint), stream: request.query.stream, leaf: proof.leaf, leaf_index: proof.index, audit_path: proof.path };
  });
}
