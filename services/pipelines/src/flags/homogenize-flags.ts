import { compileExpression, holds, type ColumnReader, type CompiledExpression } from '../expression/compile-expression';
import type { ScalarValue } from '../expression/syntax-tree';
import type { TranslationRule, TranslationRules } from './translation-rules';

/** The rows to translate: their survey, their own flag, and any column a condition may name. */
export interface FlagSource {
  readonly rowCount: number;
  /** Index into `surveyNames`, -1 when the row has no survey. */
  readonly surveyCode: Int32Array;
  readonly surveyNames: readonly string[];
  /** A reader for a column by the name conditions use (`z_flag`, `z_err`, or the file's own name), null when absent. */
  column(name: string): ColumnReader | null;
}

export interface HomogenizedFlags {
  /** 0–4 or 6; -1 when no rule gives a value (unknown survey, no default). */
  readonly zFlagHomogenized: Int8Array;
  /** Index into `instrumentTypes` (lower-case s/g/p…); -1 when no rule gives one. */
  readonly instrumentTypeCode: Int8Array;
  readonly instrumentTypes: readonly string[];
  /** Survey names present in the rows that have no translation rules, with their row counts. */
  readonly unknownSurveys: ReadonlyMap<string, number>;
  /** Columns that a rule applying to these rows reads but the input does not have (they read as null). */
  readonly missingColumns: readonly string[];
}

const NULL_READER: ColumnReader = () => null;

interface CompiledRule<V> {
  readonly rule: TranslationRule<V>;
  readonly key: ColumnReader;
  readonly conditions: readonly { readonly test: CompiledExpression; readonly value: V }[];
}

/** The value map's entry for a row's own value: by number when it reads as one (`4.0` is 4), else by lower-cased text. */
function lookUp<V>(rule: TranslationRule<V>, key: ScalarValue): V | undefined {
  if (key === null) return undefined;
  if (typeof key !== 'string') return rule.numericMap.get(Number(key));
  const text = key.trim();
  const numeric = text === '' ? undefined : rule.numericMap.get(Number(text));
  return numeric ?? rule.textMap.get(text.toLowerCase());
}

/**
 * A rule's value for one row, as the reference pipeline computes it: the default, replaced by the
 * value map entry for the row's own flag when there is one, replaced by the value of each condition
 * that holds, in order (the last one that holds wins).
 */
function translateRow<V>(compiled: CompiledRule<V>, row: number): V | null {
  const { rule } = compiled;
  let value: V | null = rule.fallback;
  const mapped = lookUp(rule, compiled.key(row));
  if (mapped !== undefined) value = mapped;
  for (const condition of compiled.conditions) {
    if (holds(condition.test, row)) value = condition.value;
  }
  return value;
}

export function homogenizeFlags(rules: TranslationRules, source: FlagSource): HomogenizedFlags {
  const missing = new Set<string>();
  const readerOf = (name: string): ColumnReader => {
    const reader = source.column(name);
    if (reader) return reader;
    missing.add(name);
    return NULL_READER;
  };
  const compile = <V>(rule: TranslationRule<V> | null, keyColumn: string): CompiledRule<V> | null =>
    rule && {
      rule,
      key: rule.numericMap.size + rule.textMap.size > 0 ? readerOf(keyColumn) : NULL_READER,
      conditions: rule.conditions.map((c) => ({ test: compileExpression(c.expression, readerOf), value: c.value })),
    };

  const present = new Int32Array(source.surveyNames.length);
  for (const code of source.surveyCode) if (code >= 0) present[code] = (present[code] ?? 0) + 1;
  const unknownSurveys = new Map<string, number>();
  const perSurvey = source.surveyNames.map((name, code) => {
    if (!present[code]) return null;
    const surveyRules = rules.surveys.get(name.trim().toUpperCase());
    if (!surveyRules) {
      unknownSurveys.set(name, present[code] ?? 0);
      return null;
    }
    return { zFlag: compile(surveyRules.zFlag, 'z_flag'), instrumentType: compile(surveyRules.instrumentType, 'instrument_type') };
  });

  const instrumentTypes: string[] = [...rules.instrumentTypePriority.keys()];
  const typeCode = new Map(instrumentTypes.map((type, i) => [type, i]));
  const zFlagHomogenized = new Int8Array(source.rowCount).fill(-1);
  const instrumentTypeCode = new Int8Array(source.rowCount).fill(-1);
  for (let row = 0; row < source.rowCount; row++) {
    const code = source.surveyCode[row] ?? -1;
    const compiled = code >= 0 ? perSurvey[code] : null;
    if (!compiled) continue;
    if (compiled.zFlag) zFlagHomogenized[row] = translateRow(compiled.zFlag, row) ?? -1;
    if (compiled.instrumentType) {
      const type = translateRow(compiled.instrumentType, row);
      if (type !== null) {
        let c = typeCode.get(type);
        if (c === undefined) {
          c = instrumentTypes.length;
          instrumentTypes.push(type);
          typeCode.set(type, c);
        }
        instrumentTypeCode[row] = c;
      }
    }
  }
  return { zFlagHomogenized, instrumentTypeCode, instrumentTypes, unknownSurveys, missingColumns: [...missing].sort() };
}
