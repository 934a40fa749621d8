import type { TableInspection } from '../types';
import { sampleColumns } from './column-sample';
import { suggestColumnRoles, type ColumnRoleSuggestion } from './suggest-column-roles';

/** Role suggestions for an inspected table, its preview rows serving as the value sample. */
export function suggestTableColumnRoles(table: Pick<TableInspection, 'columns' | 'previewRows'>): ColumnRoleSuggestion[] {
  return suggestColumnRoles(table.columns, sampleColumns(table.columns.map((c) => c.name), table.previewRows));
}
