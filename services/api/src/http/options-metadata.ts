/** The body of `OPTIONS /api/<entity>/`: the pzserver client validates filter names against it. */
export interface FilterClass {
  readonly name: string;
  readonly type: string;
  readonly choices?: readonly { value: string | number; display_name: string }[];
}

export function optionsMetadata(name: string, description: string, filters: readonly FilterClass[], search: readonly string[], ordering: readonly string[]) {
  return {
    name,
    description,
    renders: ['application/json'],
    parses: ['application/json', 'application/x-www-form-urlencoded', 'multipart/form-data'],
    filter_classes: filters,
    filterset: filters.map((f) => f.name),
    search,
    ordering,
  };
}
