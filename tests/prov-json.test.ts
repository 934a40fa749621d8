import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Ajv from 'ajv';
import { Parser } from 'n3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '@pz/database/testing';
import { attachTestFile } from '../services/api/src/downloads/testing';
import { recordRun } from '../services/api/src/provenance/testing';
import { startTestServer, type TestServer } from '../services/api/src/testing';

type Json = Record<string, unknown>;
type Records = Record<string, Json>;
type User = { auth: string; userId: number };

const schema = JSON.parse(readFileSync(new URL('./fixtures/prov-json/prov-json-schema.json', import.meta.url), 'utf8')) as Json;
// The 2013 submission's schema allows these top-level keys and no other (tests/fixtures/prov-json/README.md).
const SUBMISSION_KEYS = ['prefix', 'entity', 'activity', 'agent', 'wasGeneratedBy', 'used', 'wasInformedBy', 'wasStartedBy', 'wasEndedBy', 'wasInvalidatedBy', 'wasDerivedFrom', 'wasAttributedTo', 'wasAssociatedWith', 'actedOnBehalfOf', 'wasInfluencedBy', 'specializationOf', 'alternateOf', 'hadMember', 'bundle'];

function validator() {
  const ajv = new Ajv({ schemaId: 'auto', allErrors: true });
  ajv.addMetaSchema(createRequire(import.meta.url)('ajv/lib/refs/json-schema-draft-04.json') as object);
  const validate = ajv.compile(schema);
  return (doc: unknown) => (validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.dataPath} ${e.message ?? ''}`));
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

for (const backend of testBackends()) {
  describe(`PROV-JSON export (${backend.name})`, () => {
    let server: TestServer;
    let alice: User;
    let carol: User;
    let doc: Json;
    let ids: { input: number; hidden: number; output: number };
    const call = async (method: 'GET' | 'POST' | 'DELETE', url: string, auth: string, payload?: Json) => {
      const response = await server.app.inject({ method, url, payload, headers: { authorization: auth } });
      return { status: response.statusCode, body: (response.body ? JSON.parse(response.body) : {}) as Json };
    };
    const product = async (owner: User, name: string, derivedFrom: number[] = []) => {
      const created = await call('POST', '/api/products/', owner.auth, { display_name: name, product_type: 'training_set', derived_from: derivedFrom });
      expect(created.status).toBe(201);
      return created.body.id as number;
    };

    beforeAll(async () => {
      server = await startTestServer(backend);
      alice = await server.createUser('alice');
      carol = await server.createUser('carol');
      const input = await product(alice, 'Spec-z input');
      await attachTestFile(server.deps, input, alice.userId, { name: 'input.csv', role: 0, content: Buffer.from('id,z\n1,0.5\n') });
      const hidden = await product(carol, 'Carol secret');
      const output = await product(alice, 'Training set', [input, hidden]);
      await attachTestFile(server.deps, output, alice.userId, { name: 'train.csv', role: 0, content: Buffer.from('id,z\n2,0.7\n') });
      expect((await call('DELETE', `/api/products/${hidden}/`, carol.auth)).status).toBe(204);
      await recordRun(server.deps, 'prov-run-1', { userId: alice.userId, username: 'alice' }, [
        { type: 'PipelineRunRequested', data: { runId: 'prov-run-1', processId: 9, pipeline: 'training_set_maker', pipelineVersion: '1', displayName: 'TSM', usedConfig: {}, inputs: [input, hidden], releaseName: null, outputProductId: output, inputDetails: [], ownerId: 1, flagsTranslation: null } },
        { type: 'PipelineRunSucceeded', data: { runId: 'prov-run-1', generatedProductId: output, pipeline: 'training_set_maker', pipelineVersion: '1', inputs: [input, hidden], output: { fileId: 1, name: 'output.parquet', sha256: '0000000000000000000000000000000000000000000000000000000000000000', rows: 1, format: 'parquet' }, summary: {} } },
      ]);
      ids = { input, hidden, output };
      const answer = await call('GET', `/api/products/${output}/provenance/prov-json/`, alice.auth);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      doc = answer.body;
    }, 180_000);
    afterAll(async () => server?.stop());

    it('is valid PROV-JSON (the W3C submission\'s schema), and the validator refuses a broken document', () => {
      const check = validator();
      expect(check(doc)).toEqual([]);
      expect(Object.keys(doc).every((k) => SUBMISSION_KEYS.includes(k))).toBe(true);
      const broken = { ...doc, wasDerivedFrom: { '_:bad': { 'prov:generatedEntity': 'pz:x' } } };
      expect(check(broken).length).toBeGreaterThan(0);
      expect(check({ ...doc, entity: { 'pz:x': { 'pz:y': null } } }).length).toBeGreaterThan(0);
    });

    it('has versions with content hashes, activities for each event and the run, agents, and the five relations', () => {
      const entity = doc.entity as Records;
      const outputVersions = Object.keys(entity).filter((k) => k.startsWith(`pz:product-${ids.output}-r`));
      expect(outputVersions.length).toBeGreaterThanOrEqual(2);
      const last = entity[outputVersions.sort().at(-1) ?? ''] as Json;
      const fileLine = `${sha256(Buffer.from('id,z\n2,0.7\n'))} train.csv`;
      expect(last['pz:file']).toEqual([fileLine]);
      expect(last['pz:contentHash']).toBe(`sha256:${sha256(Buffer.from(`${sha256(Buffer.from('id,z\n2,0.7\n'))} 0 train.csv\n`))}`);
      expect(Object.values(doc.agent as Records).map((a) => a['prov:label'])).toContain('alice');
      const activities = doc.activity as Records;
      expect(activities['pz:run-prov-run-1']).toMatchObject({ 'pz:pipeline': 'training_set_maker', 'pz:status': 'succeeded' });
      expect(Object.values(activities).some((a) => (a['prov:type'] as Json)?.$ === 'pz:ProductFileAttached')).toBe(true);
      const derived = Object.values(doc.wasDerivedFrom as Records);
      expect(derived.some((d) => String(d['prov:usedEntity']).startsWith(`pz:product-${ids.input}-r`) && String(d['prov:generatedEntity']).startsWith(`pz:product-${ids.output}-r`))).toBe(true);
      expect(Object.values(doc.used as Records).some((u) => u['prov:activity'] === 'pz:run-prov-run-1')).toBe(true);
      expect(Object.values(doc.wasGeneratedBy as Records).some((g) => g['prov:activity'] === 'pz:run-prov-run-1')).toBe(true);
      expect(Object.keys(doc.wasAttributedTo as Records).length).toBeGreaterThan(0);
      expect(Object.values(doc.wasAssociatedWith as Records).some((a) => a['prov:activity'] === 'pz:run-prov-run-1')).toBe(true);
    });

    it('shows the deleted ancestor alice may not see as one redacted entity: linked, never named', () => {
      const text = JSON.stringify(doc);
      expect(text).not.toContain('Carol secret');
      expect(text).not.toContain('carol');
      expect(text).not.toContain(`pz:product-${ids.hidden}`);
      const entity = doc.entity as Records;
      expect(entity['pz:redacted-1']).toEqual({ 'prov:type': { $: 'pz:Redacted', type: 'prov:QUALIFIED_NAME' } });
      expect(Object.values(doc.wasDerivedFrom as Records).some((d) => d['prov:usedEntity'] === 'pz:redacted-1')).toBe(true);
      expect(Object.values(doc.used as Records).some((u) => u['prov:entity'] === 'pz:redacted-1')).toBe(true);
    });

    it('gives the same document in PROV-N', async () => {
      const response = await server.app.inject({ method: 'GET', url: `/api/products/${ids.output}/provenance/prov-n/`, headers: { authorization: alice.auth } });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('text/provenance-notation; charset=utf-8');
      const lines = response.body.trim().split('\n');
      expect(lines[0]).toBe('document');
      expect(lines.at(-1)).toBe('endDocument');
      const count = (kind: string) => lines.filter((l) => l.startsWith(`  ${kind}(`)).length;
      for (const kind of ['entity', 'activity', 'agent', 'wasGeneratedBy', 'used', 'wasDerivedFrom', 'wasAttributedTo', 'wasAssociatedWith'] as const) {
        expect(count(kind), kind).toBe(Object.keys(doc[kind] as Records).length);
      }
      expect(response.body).toContain("entity(pz:redacted-1, [prov:type='pz:Redacted'])");
      expect(response.body).not.toContain('Carol secret');
    });

    it('gives the same entities, activities, agents and relations in PROV-O (Turtle), read back by an RDF parser', async () => {
      const response = await server.app.inject({ method: 'GET', url: `/api/products/${ids.output}/provenance/prov-o/`, headers: { authorization: alice.auth } });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('text/turtle; charset=utf-8');
      const quads = new Parser({ format: 'text/turtle' }).parse(response.body);
      const prefixes = doc.prefix as Record<string, string>;
      const iri = (name: string) => `${prefixes[name.slice(0, name.indexOf(':'))]}${name.slice(name.indexOf(':') + 1)}`;
      const prov = (local: string) => `http://www.w3.org/ns/prov#${local}`;
      const TYPE = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type';
      const typed = (kind: string) => new Set(quads.filter((q) => q.predicate.value === TYPE && q.object.value === prov(kind)).map((q) => q.subject.value));
      expect(typed('Entity')).toEqual(new Set(Object.keys(doc.entity as Records).map(iri)));
      expect(typed('Activity')).toEqual(new Set(Object.keys(doc.activity as Records).map(iri)));
      expect(typed('Agent')).toEqual(new Set(Object.keys(doc.agent as Records).map(iri)));
      const pairs = (predicate: string) => new Set(quads.filter((q) => q.predicate.value === prov(predicate)).map((q) => `${q.subject.value} ${q.object.value}`));
      const expected = (kind: string, from: string, to: string) => new Set(Object.values(doc[kind] as Records).map((r) => `${iri(String(r[from]))} ${iri(String(r[to]))}`));
      expect(pairs('wasDerivedFrom')).toEqual(expected('wasDerivedFrom', 'prov:generatedEntity', 'prov:usedEntity'));
      expect(pairs('used')).toEqual(expected('used', 'prov:activity', 'prov:entity'));
      expect(pairs('wasGeneratedBy')).toEqual(expected('wasGeneratedBy', 'prov:entity', 'prov:activity'));
      expect(pairs('wasAttributedTo')).toEqual(expected('wasAttributedTo', 'prov:entity', 'prov:agent'));
      expect(pairs('wasAssociatedWith')).toEqual(expected('wasAssociatedWith', 'prov:activity', 'prov:agent'));
      // Content hashes and the redacted node as in PROV-JSON; nothing of the hidden product.
      const hashes = new Set(quads.filter((q) => q.predicate.value === iri('pz:contentHash')).map((q) => q.object.value));
      expect(hashes).toEqual(new Set(Object.values(doc.entity as Records).flatMap((e) => (e['pz:contentHash'] ? [String(e['pz:contentHash'])] : []))));
      expect(typed('Entity')).toContain(iri('pz:redacted-1'));
      expect(quads.some((q) => q.subject.value === iri('pz:redacted-1') && q.predicate.value === TYPE && q.object.value === iri('pz:Redacted'))).toBe(true);
      expect(response.body).not.toContain('Carol secret');
    });
  });
}
