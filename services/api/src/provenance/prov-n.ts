import type { ProvJson } from './prov-json';

type Attributes = Record<string, unknown>;

const quote = (text: string) => `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

function literal(value: unknown): string {
  if (typeof value === 'object' && value !== null && '$' in value) {
    const typed = value as { $: unknown; type?: string };
    return typed.type === 'prov:QUALIFIED_NAME' ? `'${String(typed.$)}'` : `${quote(String(typed.$))} %% ${typed.type ?? 'xsd:string'}`;
  }
  if (typeof value === 'number') return `${quote(String(value))} %% ${Number.isInteger(value) ? 'xsd:int' : 'xsd:double'}`;
  if (typeof value === 'boolean') return `${quote(String(value))} %% xsd:boolean`;
  return quote(String(value));
}

/** `[k=v, ...]` for the attributes not consumed as positional arguments; an array gives the attribute once per value. */
function attributes(record: Attributes, positional: readonly string[]): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(record)) {
    if (positional.includes(key)) continue;
    for (const v of Array.isArray(value) ? value : [value]) parts.push(`${key}=${literal(v)}`);
  }
  return parts.length ? `, [${parts.join(', ')}]` : '';
}

const arg = (record: Attributes, key: string) => (typeof record[key] === 'string' ? String(record[key]) : '-');

/** The same document in PROV-N (W3C Recommendation, 2013), for tools that read the notation. */
export function provN(doc: ProvJson): string {
  const lines = ['document'];
  for (const [prefix, iri] of Object.entries(doc.prefix)) lines.push(`  prefix ${prefix} <${iri}>`);
  for (const [id, a] of Object.entries(doc.entity)) lines.push(`  entity(${id}${attributes(a, [])})`);
  for (const [id, a] of Object.entries(doc.activity)) lines.push(`  activity(${id}, ${arg(a, 'prov:startTime')}, ${arg(a, 'prov:endTime')}${attributes(a, ['prov:startTime', 'prov:endTime'])})`);
  for (const [id, a] of Object.entries(doc.agent)) lines.push(`  agent(${id}${attributes(a, [])})`);
  for (const r of Object.values(doc.wasGeneratedBy)) lines.push(`  wasGeneratedBy(${arg(r, 'prov:entity')}, ${arg(r, 'prov:activity')}, ${arg(r, 'prov:time')}${attributes(r, ['prov:entity', 'prov:activity', 'prov:time'])})`);
  for (const r of Object.values(doc.used)) lines.push(`  used(${arg(r, 'prov:activity')}, ${arg(r, 'prov:entity')}, ${arg(r, 'prov:time')}${attributes(r, ['prov:activity', 'prov:entity', 'prov:time'])})`);
  for (const r of Object.values(doc.wasDerivedFrom)) lines.push(`  wasDerivedFrom(${arg(r, 'prov:generatedEntity')}, ${arg(r, 'prov:usedEntity')}, ${arg(r, 'prov:activity')}, -, -${attributes(r, ['prov:generatedEntity', 'prov:usedEntity', 'prov:activity'])})`);
  for (const r of Object.values(doc.wasAttributedTo)) lines.push(`  wasAttributedTo(${arg(r, 'prov:entity')}, ${arg(r, 'prov:agent')}${attributes(r, ['prov:entity', 'prov:agent'])})`);
  for (const r of Object.values(doc.wasAssociatedWith)) lines.push(`  wasAssociatedWith(${arg(r, 'prov:activity')}, ${arg(r, 'prov:agent')}, -${attributes(r, ['prov:activity', 'prov:agent'])})`);
  lines.push('endDocument', '');
  return lines.join('\n');
}
