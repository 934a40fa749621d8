export { parseExpression, MAX_EXPRESSION_DEPTH, MAX_EXPRESSION_LENGTH } from './parse-expression';
export { compileExpression, holds, type ColumnReader, type CompiledExpression } from './compile-expression';
export { columnsOf, FUNCTION_NAMES, type Expression, type FunctionName, type ScalarValue, type Value } from './syntax-tree';
