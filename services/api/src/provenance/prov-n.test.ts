import { describe, expect, it } from 'vitest';
import { provN } from './prov-n';

describe('PROV-N', () => {
  it('writes each record of a PROV-JSON document in the notation, with typed and qualified-name literals', () => {
    const text = provN({
      prefix: { pz: 'http://pz.test/api/prov/' },
      entity: { 'pz:product-1-r0': { 'prov:type': { $: 'pz:ProductVersion', type: 'prov:QUALIFIED_NAME' }, 'prov:label': 'A "quoted" name', 'pz:status': 1, 'pz:official': false, 'pz:file': ['aa x.csv', 'bb y.csv'] } },
      activity: { 'pz:event-1': { 'prov:startTime': '2026-01-01T00:00:00Z', 'prov:endTime': '2026-01-01T00:00:00Z' } },
      agent: { 'pz:user-1': { 'prov:label': 'alice' } },
      wasGeneratedBy: { _1: { 'prov:entity': 'pz:product-1-r0', 'prov:activity': 'pz:event-1', 'prov:time': '2026-01-01T00:00:00Z' } },
      used: { _2: { 'prov:activity': 'pz:event-1', 'prov:entity': 'pz:redacted-1' } },
      wasDerivedFrom: { _3: { 'prov:generatedEntity': 'pz:product-1-r0', 'prov:usedEntity': 'pz:redacted-1' } },
      wasAttributedTo: { _4: { 'prov:entity': 'pz:product-1-r0', 'prov:agent': 'pz:user-1' } },
      wasAssociatedWith: { _5: { 'prov:activity': 'pz:event-1', 'prov:agent': 'pz:user-1' } },
    });
    expect(text.split('\n')).toEqual([
      'document',
      '  prefix pz <http://pz.test/api/prov/>',
      `  entity(pz:product-1-r0, [prov:type='pz:ProductVersion', prov:label="A \\"quoted\\" name", pz:status="1" %% xsd:int, pz:official="false" %% xsd:boolean, pz:file="aa x.csv", pz:file="bb y.csv"])`,
      '  activity(pz:event-1, 2026-01-01T00:00:00Z, 2026-01-01T00:00:00Z)',
      '  agent(pz:user-1, [prov:label="alice"])',
      '  wasGeneratedBy(pz:product-1-r0, pz:event-1, 2026-01-01T00:00:00Z)',
      '  used(pz:event-1, pz:redacted-1, -)',
      '  wasDerivedFrom(pz:product-1-r0, pz:redacted-1, -, -, -)',
      '  wasAttributedTo(pz:product-1-r0, pz:user-1)',
      '  wasAssociatedWith(pz:event-1, pz:user-1, -)',
      'endDocument',
      '',
    ]);
  });
});
