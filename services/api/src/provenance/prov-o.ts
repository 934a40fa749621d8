import type { ProvJson } from './prov-json';

type Attributes = Record<string, unknown>;

const PROV = 'http://www.w3.org/ns/prov#';
const RDFS = 'http://www.w3.org/2000/01/rdf-schema#';
const XSD = 'http://www.w3.org/2001/XMLSchema#';

/** A qualified name as a Turtle term: kept as `prefix:local` when the local part is plainly safe, else the full IRI. */
function term(name: string, prefixes: Readonly<Record<string, string>>): string {
  const colon = name.indexOf(':');
  const prefix = colon > 0 ? name.slice(0, colon) : '';
  const local = name.slice(colon + 1);
  const iri = prefixes[prefix];
  if (iri === undefined) throw new Error(`PROV-O: no prefix for ${name}`);
  if (/^[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?$/.test(local)) return `${prefix}:${local}`;
  return `<${iri}${encodeURIComponent(local)}>`;
}

const quote = (text: string) => `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r')}"`;

function literal(value: unknown, prefixes: Readonly<Record<string, string>>): string {
  if (typeof value === 'object' && value !== null && '$' in value) {
    const typed = value as { $: unknown; type?: string };
    return typed.type === 'prov:QUALIFIED_NAME' ? term(String(typed.$), prefixes) : `${quote(String(typed.$))}^^${term(typed.type ?? 'xsd:string', prefixes)}`;
  }
  if (typeof value === 'number') return `${quote(String(value))}^^${Number.isInteger(value) ? 'xsd:int' : 'xsd:double'}`;
  if (typeof value === 'boolean') return `${quote(String(value))}^^xsd:boolean`;
  return quote(String(value));
}

/**
 * The PROV-JSON document in PROV-O (W3C Recommendation, 2013) as Turtle: the same entities,
 * activities and agents (`prov:type` becomes `a`, `prov:label` `rdfs:label`, start and end
 * times `prov:startedAtTime`/`prov:endedAtTime`), and each relation as its PROV-O property
 * (a revision also as `prov:wasRevisionOf`; a derivation made by a run also qualified with
 * the run as `prov:hadActivity`; a generation with a time also as `prov:qualifiedGeneration`).
 */
export function provO(doc: ProvJson): string {
  const prefixes: Record<string, string> = { prov: PROV, rdfs: RDFS, xsd: XSD, ...doc.prefix };
  const lines = Object.entries(prefixes).map(([p, iri]) => `@prefix ${p}: <${iri}> .`);
  lines.push('');
  const t = (name: string) => term(name, prefixes);
  const node = (id: string, kind: string, attrs: Attributes, times: boolean) => {
    const parts = [`a prov:${kind}`];
    for (const [key, value] of Object.entries(attrs)) {
      for (const v of Array.isArray(value) ? value : [value]) {
        if (key === 'prov:type') parts.push(`a ${literal(v, prefixes)}`);
        else if (key === 'prov:label') parts.push(`rdfs:label ${literal(v, prefixes)}`);
        else if (times && (key === 'prov:startTime' || key === 'prov:endTime')) parts.push(`prov:${key === 'prov:startTime' ? 'startedAtTime' : 'endedAtTime'} ${quote(String(v))}^^xsd:dateTime`);
        else parts.push(`${t(key)} ${literal(v, prefixes)}`);
      }
    }
    lines.push(`${t(id)} ${parts.join(' ;\n    ')} .`);
  };
  for (const [id, a] of Object.entries(doc.entity)) node(id, 'Entity', a, false);
  for (const [id, a] of Object.entries(doc.activity)) node(id, 'Activity', a, true);
  for (const [id, a] of Object.entries(doc.agent)) node(id, 'Agent', a, false);
  const ref = (r: Attributes, key: string) => (typeof r[key] === 'string' ? t(String(r[key])) : null);
  for (const r of Object.values(doc.wasGeneratedBy)) {
    const [entity, activity] = [ref(r, 'prov:entity'), ref(r, 'prov:activity')];
    if (!entity || !activity) continue;
    lines.push(`${entity} prov:wasGeneratedBy ${activity} .`);
    if (typeof r['prov:time'] === 'string') lines.push(`${entity} prov:qualifiedGeneration [ a prov:Generation ; prov:activity ${activity} ; prov:atTime ${quote(r['prov:time'])}^^xsd:dateTime ] .`);
  }
  for (const r of Object.values(doc.used)) {
    const [activity, entity] = [ref(r, 'prov:activity'), ref(r, 'prov:entity')];
    if (activity && entity) lines.push(`${activity} prov:used ${entity} .`);
  }
  for (const r of Object.values(doc.wasDerivedFrom)) {
    const [generated, used, activity] = [ref(r, 'prov:generatedEntity'), ref(r, 'prov:usedEntity'), ref(r, 'prov:activity')];
    if (!generated || !used) continue;
    lines.push(`${generated} prov:wasDerivedFrom ${used} .`);
    const type = r['prov:type'] as { $?: string } | undefined;
    if (type?.$ === 'prov:Revision') lines.push(`${generated} prov:wasRevisionOf ${used} .`);
    if (activity) lines.push(`${generated} prov:qualifiedDerivation [ a prov:Derivation ; prov:entity ${used} ; prov:hadActivity ${activity} ] .`);
  }
  for (const r of Object.values(doc.wasAttributedTo)) {
    const [entity, agent] = [ref(r, 'prov:entity'), ref(r, 'prov:agent')];
    if (entity && agent) lines.push(`${entity} prov:wasAttributedTo ${agent} .`);
  }
  for (const r of Object.values(doc.wasAssociatedWith)) {
    const [activity, agent] = [ref(r, 'prov:activity'), ref(r, 'prov:agent')];
    if (activity && agent) lines.push(`${activity} prov:wasAssociatedWith ${agent} .`);
  }
  lines.push('');
  return lines.join('\n');
}
