import { ok, type Result } from '@pz/contracts';
import { parse as parseYaml } from 'yaml';
import { describeCause, pipelineError, pipelineFailure, type PipelineError } from '../errors';
import { parseExpression } from '../expression/parse-expression';
import type { Expression } from '../expression/syntax-tree';

/** The homogenised quality scale: 0 no redshift … 4 > 99 % confidence, 6 star. */
export const HOMOGENIZED_FLAGS = [0, 1, 2, 3, 4, 6] as const;
export const STAR_FLAG = 6;

export type TiebreakColumn = 'z_flag_homogenized' | 'instrument_type_homogenized';
const TIEBREAK_COLUMNS: readonly string[] = ['z_flag_homogenized', 'instrument_type_homogenized'];

export type ExpressionColumnType = 'float' | 'int' | 'str' | 'bool';

export interface Condition<V> {
  readonly source: string;
  readonly expression: Expression;
  readonly value: V;
}

/**
 * One `<key>_translation` block. Applied as the reference pipeline does: the default first, then the
 * value map, then every condition in order, a later matching condition overriding an earlier one.
 */
export interface TranslationRule<V> {
  /** Keys that read as numbers are compared as numbers (`4.0` matches 4). */
  readonly numericMap: ReadonlyMap<number, V>;
  /** Other keys, compared trimmed and lower-cased. */
  readonly textMap: ReadonlyMap<string, V>;
  readonly conditions: readonly Condition<V>[];
  readonly fallback: V | null;
}

export interface SurveyRules {
  readonly zFlag: TranslationRule<number> | null;
  readonly instrumentType: TranslationRule<string> | null;
}

export interface TranslationRules {
  readonly tiebreakingPriority: readonly TiebreakColumn[];
  readonly deltaZThreshold: number;
  readonly crossmatchRadiusArcsec: number;
  /** Lower-case instrument type → priority (higher is better). */
  readonly instrumentTypePriority: ReadonlyMap<string, number>;
  /** How columns read by conditions are cast before evaluation (`expr_column_schema`). */
  readonly expressionColumnTypes: ReadonlyMap<string, ExpressionColumnType>;
  /** Keyed by upper-case survey name. */
  readonly surveys: ReadonlyMap<string, SurveyRules>;
}

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);
const invalid = (message: string, field?: string) => pipelineFailure('TRANSLATION_RULES_INVALID', message, field);

function parseRule<V>(
  block: unknown,
  field: string,
  readValue: (raw: unknown, field: string) => Result<V, PipelineError>,
): Result<TranslationRule<V> | null, PipelineError> {
  if (block === undefined || block === null) return ok(null);
  if (!isPlain(block)) return invalid(`${field} must be a mapping`, field);
  const numericMap = new Map<number, V>();
  const textMap = new Map<string, V>();
  const conditions: Condition<V>[] = [];
  let fallback: V | null = null;
  for (const [key, raw] of Object.entries(block)) {
    if (key === 'default') {
      const value = readValue(raw, `${field}.default`);
      if (!value.ok) return value;
      fallback = value.value;
    } else if (key === 'conditions') {
      if (!Array.isArray(raw)) return invalid(`${field}.conditions must be a list`, `${field}.conditions`);
      for (const [i, item] of raw.entries()) {
        const at = `${field}.conditions[${i}]`;
        if (!isPlain(item) || typeof item.expr !== 'string') return invalid(`${at} needs an "expr" string`, at);
        const expression = parseExpression(item.expr);
        if (!expression.ok) return { ok: false, error: pipelineError(expression.error.code, `${at}: ${expression.error.message}`, at) };
        const value = readValue(item.value, `${at}.value`);
        if (!value.ok) return value;
        conditions.push({ source: item.expr, expression: expression.value, value: value.value });
      }
    } else {
      const value = readValue(raw, `${field}.${key}`);
      if (!value.ok) return value;
      const numeric = Number(key);
      if (key.trim() !== '' && Number.isFinite(numeric)) numericMap.set(numeric, value.value);
      else textMap.set(key.trim().toLowerCase(), value.value);
    }
  }
  return ok({ numericMap, textMap, conditions, fallback });
}

function readFlag(raw: unknown, field: string): Result<number, PipelineError> {
  return typeof raw === 'number' && (HOMOGENIZED_FLAGS as readonly number[]).includes(raw)
    ? ok(raw)
    : invalid(`${field} must be one of ${HOMOGENIZED_FLAGS.join(', ')}, got ${JSON.stringify(raw)}`, field);
}

function readInstrumentType(raw: unknown, field: string): Result<string, PipelineError> {
  return typeof raw === 'string' && raw.trim() !== '' ? ok(raw.trim().toLowerCase()) : invalid(`${field} must be a non-empty string`, field);
}

function readNumber(document: Plain, key: string, fallback: number): Result<number, PipelineError> {
  const raw = document[key];
  if (raw === undefined) return ok(fallback);
  return typeof raw === 'number' && Number.isFinite(raw) && raw >= 0 ? ok(raw) : invalid(`${key} must be a non-negative number`, key);
}

/** Reads `flags_translation.yaml` (LIneA's format) into checked, parsed rules. */
export function parseTranslationRules(yamlText: string): Result<TranslationRules, PipelineError> {
  let document: unknown;
  try {
    document = parseYaml(yamlText);
  } catch (cause) {
    return invalid(`not YAML: ${describeCause(cause)}`);
  }
  if (!isPlain(document)) return invalid('the rules document must be a mapping');

  const priorityRaw = document.tiebreaking_priority ?? [];
  if (!Array.isArray(priorityRaw) || !priorityRaw.every((c): c is TiebreakColumn => typeof c === 'string' && TIEBREAK_COLUMNS.includes(c))) {
    return invalid(`tiebreaking_priority may list only ${TIEBREAK_COLUMNS.join(', ')}`, 'tiebreaking_priority');
  }
  const deltaZThreshold = readNumber(document, 'delta_z_threshold', 0);
  if (!deltaZThreshold.ok) return deltaZThreshold;
  const radius = readNumber(document, 'crossmatch_radius_arcsec', 0.5);
  if (!radius.ok) return radius;

  const instrumentTypePriority = new Map<string, number>();
  const priorityBlock = document.instrument_type_priority ?? {};
  if (!isPlain(priorityBlock)) return invalid('instrument_type_priority must be a mapping', 'instrument_type_priority');
  for (const [type, rank] of Object.entries(priorityBlock)) {
    if (typeof rank !== 'number') return invalid(`instrument_type_priority.${type} must be a number`, `instrument_type_priority.${type}`);
    instrumentTypePriority.set(type.trim().toLowerCase(), rank);
  }

  const expressionColumnTypes = new Map<string, ExpressionColumnType>();
  const schemaBlock = document.expr_column_schema ?? {};
  if (!isPlain(schemaBlock)) return invalid('expr_column_schema must be a mapping', 'expr_column_schema');
  for (const [column, type] of Object.entries(schemaBlock)) {
    if (type !== 'float' && type !== 'int' && type !== 'str' && type !== 'bool') {
      return invalid(`expr_column_schema.${column} must be float, int, str or bool`, `expr_column_schema.${column}`);
    }
    expressionColumnTypes.set(column, type);
  }

  const surveys = new Map<string, SurveyRules>();
  const rulesBlock = document.translation_rules ?? {};
  if (!isPlain(rulesBlock)) return invalid('translation_rules must be a mapping', 'translation_rules');
  for (const [survey, block] of Object.entries(rulesBlock)) {
    const field = `translation_rules.${survey}`;
    if (!isPlain(block)) return invalid(`${field} must be a mapping`, field);
    const zFlag = parseRule(block.z_flag_translation, `${field}.z_flag_translation`, readFlag);
    if (!zFlag.ok) return zFlag;
    const instrumentType = parseRule(block.instrument_type_translation, `${field}.instrument_type_translation`, readInstrumentType);
    if (!instrumentType.ok) return instrumentType;
    surveys.set(survey.trim().toUpperCase(), { zFlag: zFlag.value, instrumentType: instrumentType.value });
  }

  return ok({
    tiebreakingPriority: priorityRaw,
    deltaZThreshold: deltaZThreshold.value,
    crossmatchRadiusArcsec: radius.value,
    instrumentTypePriority,
    expressionColumnTypes,
    surveys,
  });
}
