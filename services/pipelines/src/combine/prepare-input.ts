import { ok, type Result } from '@pz/contracts';
import { columnReaderOf, toDictionary, toFloat64, toTexts } from '../catalog-io/column-conversions';
import { readTableColumns } from '../catalog-io/read-table-columns';
import { pipelineFailure, type PipelineError } from '../errors';
import type { ColumnReader } from '../expression/compile-expression';
import { columnsOf } from '../expression/syntax-tree';
import { homogenizeFlags } from '../flags/homogenize-flags';
import type { TranslationRules } from '../flags/translation-rules';
import type { CatalogColumns } from './catalog-columns';
import { OPTIONAL_ROLES, REQUIRED_ROLES, type ColumnRole, type CombineInput } from './combine-request';

export interface PreparedInput {
  readonly source: string;
  readonly columns: CatalogColumns;
  /** Survey name → rows, as found in the input. */
  readonly surveys: ReadonlyMap<string, number>;
  readonly unknownSurveys: ReadonlyMap<string, number>;
  /** Columns that this input's rules read but the file does not have. */
  readonly missingRuleColumns: readonly string[];
}

/** Columns the rules of these surveys read, other than the roles. */
function ruleColumns(rules: TranslationRules, surveys: readonly string[]): string[] {
  const names = new Set<string>();
  for (const survey of surveys) {
    const surveyRules = rules.surveys.get(survey.trim().toUpperCase());
    for (const rule of [surveyRules?.zFlag, surveyRules?.instrumentType]) {
      for (const condition of rule?.conditions ?? []) columnsOf(condition.expression, names);
    }
    // An instrument type value map is keyed by the row's own `instrument_type` column.
    const typeMap = surveyRules?.instrumentType;
    if (typeMap && typeMap.numericMap.size + typeMap.textMap.size > 0) names.add('instrument_type');
  }
  const roles: readonly string[] = [...REQUIRED_ROLES, ...OPTIONAL_ROLES];
  return [...names].filter((name) => !roles.includes(name));
}

/**
 * Reads one input (its role columns, then the columns its survey rules need) and homogenises its
 * flags: everything about one input that needs its file.
 */
export async function prepareInput(input: CombineInput, index: number, rules: TranslationRules): Promise<Result<PreparedInput, PipelineError>> {
  const roles = [...REQUIRED_ROLES, ...OPTIONAL_ROLES].filter((role) => input.columns[role] !== undefined);
  const roleColumns = roles.map((role) => input.columns[role] as string);
  const read = await readTableColumns(input.path, roleColumns, input.fileName);
  if (!read.ok) return { ok: false, error: { ...read.error, field: `inputs[${index}]` } };
  const table = read.value;
  for (const role of roles) {
    const column = input.columns[role] as string;
    if (!table.columns.has(column)) {
      return pipelineFailure('INPUT_COLUMN_MISSING', `${input.source} has no column "${column}" (role ${role}); it has ${table.names.join(', ')}`, `inputs[${index}].columns.${role}`);
    }
  }
  const valuesOf = (role: ColumnRole) => {
    const column = input.columns[role];
    return column === undefined ? undefined : table.columns.get(column);
  };
  const { rowCount } = table;
  const floats = (role: ColumnRole) => {
    const values = valuesOf(role);
    return values ? toFloat64(values) : new Float64Array(rowCount).fill(Number.NaN);
  };
  const surveyValues = valuesOf('survey');
  const survey = surveyValues ? toDictionary(surveyValues) : { codes: new Int32Array(rowCount).fill(-1), names: [] };
  const catalog = {
    rowCount,
    id: toTexts(valuesOf('id') ?? []),
    ra: floats('ra'),
    dec: floats('dec'),
    z: floats('z'),
    zFlag: floats('z_flag'),
    zErr: floats('z_err'),
  };

  const extraNames = ruleColumns(rules, survey.names).filter((name) => table.names.includes(name));
  const extra = extraNames.length > 0 ? await readTableColumns(input.path, extraNames, input.fileName) : null;
  if (extra && !extra.ok) return { ok: false, error: { ...extra.error, field: `inputs[${index}]` } };
  const types = rules.expressionColumnTypes;
  const roleReaders: ReadonlyMap<string, ColumnReader> = new Map<string, ColumnReader>([
    ['id', (row) => catalog.id[row] ?? null],
    ['ra', columnReaderOf(catalog.ra, types.get('ra'))],
    ['dec', columnReaderOf(catalog.dec, types.get('dec'))],
    ['z', columnReaderOf(catalog.z, types.get('z'))],
    ['z_flag', columnReaderOf(catalog.zFlag, types.get('z_flag'))],
    ['z_err', columnReaderOf(catalog.zErr, types.get('z_err'))],
    ['survey', (row) => survey.names[survey.codes[row] ?? -1] ?? null],
  ]);
  const flags = homogenizeFlags(rules, {
    rowCount,
    surveyCode: survey.codes,
    surveyNames: survey.names,
    column: (name) => {
      const role = roleReaders.get(name);
      if (role) return roles.includes(name as ColumnRole) ? role : null;
      const values = extra?.value.columns.get(name);
      return values ? columnReaderOf(values, types.get(name)) : null;
    },
  });

  const surveys = new Map<string, number>();
  for (const code of survey.codes) {
    const name = survey.names[code];
    if (name !== undefined) surveys.set(name, (surveys.get(name) ?? 0) + 1);
  }
  return ok({
    source: input.source,
    columns: {
      ...catalog,
      surveyCode: survey.codes,
      surveyNames: survey.names,
      zFlagHomogenized: flags.zFlagHomogenized,
      instrumentTypeCode: flags.instrumentTypeCode,
      instrumentTypes: flags.instrumentTypes,
    },
    surveys,
    unknownSurveys: flags.unknownSurveys,
    missingRuleColumns: flags.missingColumns,
  });
}
