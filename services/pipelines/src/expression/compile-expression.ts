import { arithmetic, callFunction, compare, indexInto, isList, negate, truthOf, type Truth } from './python-semantics';
import type { Expression, ScalarValue, Value } from './syntax-tree';

/** Reads one column's value at a row; resolved once per column, not per row. */
export type ColumnReader = (row: number) => ScalarValue;
export type CompiledExpression = (row: number) => Value;

const and = (operands: readonly CompiledExpression[]): CompiledExpression => (row) => {
  let unknown = false;
  for (const operand of operands) {
    const truth = truthOf(operand(row));
    if (truth === false) return false;
    if (truth === null) unknown = true;
  }
  return unknown ? null : true;
};

const or = (operands: readonly CompiledExpression[]): CompiledExpression => (row) => {
  let unknown = false;
  for (const operand of operands) {
    const truth = truthOf(operand(row));
    if (truth === true) return true;
    if (truth === null) unknown = true;
  }
  return unknown ? null : false;
};

/**
 * Turns a parsed expression into a closure over the row index: the tree is walked once here, so
 * evaluating a rule on a million rows costs closure calls, not tree walks. There is no `eval` or
 * `Function` anywhere: the closures can only do what the cases below do.
 */
export function compileExpression(expression: Expression, columnReader: (name: string) => ColumnReader): CompiledExpression {
  const compile = (e: Expression): CompiledExpression => compileExpression(e, columnReader);
  switch (expression.kind) {
    case 'literal': {
      const value = expression.value;
      return () => value;
    }
    case 'column':
      return columnReader(expression.name);
    case 'list': {
      const items = expression.items.map(compile);
      return (row) => items.map((item) => {
        const v = item(row);
        return isList(v) ? null : v;
      });
    }
    case 'negate': {
      const operand = compile(expression.operand);
      return (row) => negate(operand(row));
    }
    case 'not': {
      const operand = compile(expression.operand);
      return (row) => {
        const truth = truthOf(operand(row));
        return truth === null ? null : !truth;
      };
    }
    case 'arithmetic': {
      const { operator } = expression;
      const left = compile(expression.left);
      const right = compile(expression.right);
      return (row) => arithmetic(operator, left(row), right(row));
    }
    case 'logical': {
      const operands = expression.operands.map(compile);
      return expression.operator === 'and' ? and(operands) : or(operands);
    }
    case 'compare': {
      const first = compile(expression.first);
      const links = expression.links.map((link) => ({ operator: link.operator, operand: compile(link.operand) }));
      return (row) => {
        let left = first(row);
        let result: Truth = true;
        for (const link of links) {
          const right = link.operand(row);
          const truth = compare(link.operator, left, right);
          if (truth === false) return false;
          if (truth === null) result = null;
          left = right;
        }
        return result;
      };
    }
    case 'call': {
      const { name } = expression;
      const argument = compile(expression.argument);
      return (row) => callFunction(name, argument(row));
    }
    case 'index': {
      const target = compile(expression.target);
      const index = compile(expression.index);
      return (row) => indexInto(target(row), index(row));
    }
  }
}

/** A rule condition applies to a row only when it is exactly true (null and false do not). */
export const holds = (compiled: CompiledExpression, row: number): boolean => truthOf(compiled(row)) === true;
