/**
 * The expression language of the flags translation rules: the small, side-effect-free subset of
 * Python that `flags_translation.yaml` writes its conditions in. Nothing here can name an object,
 * an attribute or a function outside the fixed list below, so a rule can only read row values.
 */

/** A value a row column or an expression can hold. `bigint` is a Python `int` made by `int(...)`. */
export type ScalarValue = number | bigint | string | boolean | null;
/** List literals exist only as the right side of `in` / `not in`. */
export type Value = ScalarValue | readonly ScalarValue[];

export type CompareOperator = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not in';
export type ArithmeticOperator = '+' | '-' | '*' | '/' | '//' | '%';

/** The functions a rule may call; `np.`/`math.` prefixes resolve to these at parse time. */
export const FUNCTION_NAMES = ['isfinite', 'isnan', 'trunc', 'floor', 'ceil', 'abs', 'float', 'int', 'str', 'len'] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

export type Expression =
  | { readonly kind: 'literal'; readonly value: ScalarValue }
  | { readonly kind: 'column'; readonly name: string }
  | { readonly kind: 'list'; readonly items: readonly Expression[] }
  | { readonly kind: 'negate'; readonly operand: Expression }
  | { readonly kind: 'not'; readonly operand: Expression }
  | { readonly kind: 'arithmetic'; readonly operator: ArithmeticOperator; readonly left: Expression; readonly right: Expression }
  | { readonly kind: 'logical'; readonly operator: 'and' | 'or'; readonly operands: readonly Expression[] }
  /** `a < b <= c` is one comparison with two links, as in Python. */
  | { readonly kind: 'compare'; readonly first: Expression; readonly links: readonly { readonly operator: CompareOperator; readonly operand: Expression }[] }
  | { readonly kind: 'call'; readonly name: FunctionName; readonly argument: Expression }
  | { readonly kind: 'index'; readonly target: Expression; readonly index: Expression };

/** The columns an expression reads, so a reader can fetch exactly those. */
export function columnsOf(expression: Expression, into: Set<string> = new Set()): Set<string> {
  switch (expression.kind) {
    case 'literal':
      break;
    case 'column':
      into.add(expression.name);
      break;
    case 'list':
      for (const item of expression.items) columnsOf(item, into);
      break;
    case 'negate':
    case 'not':
      columnsOf(expression.operand, into);
      break;
    case 'arithmetic':
      columnsOf(expression.left, into);
      columnsOf(expression.right, into);
      break;
    case 'logical':
      for (const operand of expression.operands) columnsOf(operand, into);
      break;
    case 'compare':
      columnsOf(expression.first, into);
      for (const link of expression.links) columnsOf(link.operand, into);
      break;
    case 'call':
      columnsOf(expression.argument, into);
      break;
    case 'index':
      columnsOf(expression.target, into);
      columnsOf(expression.index, into);
      break;
  }
  return into;
}
