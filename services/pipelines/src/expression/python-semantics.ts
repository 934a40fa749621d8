import type { ArithmeticOperator, CompareOperator, FunctionName, ScalarValue, Value } from './syntax-tree';

/**
 * What the operators and functions of a rule mean, following Python/pandas as the reference
 * pipeline evaluates them, with one rule for missing values: null (a null cell, NaN, a missing
 * column, or a value a function cannot convert) propagates through arithmetic and comparisons, and
 * `and`/`or`/`not` use three-valued (Kleene) logic, as pandas' nullable columns do. A condition holds
 * only when it evaluates to exactly `true`. Type errors that Python would raise give null, so a
 * rule that cannot be evaluated on a row does not apply to that row.
 */

export type Truth = boolean | null;

/** `Array.isArray` does not narrow readonly arrays. */
export const isList = (v: Value): v is readonly ScalarValue[] => Array.isArray(v);

const isNumeric = (v: ScalarValue): v is number | bigint | boolean => typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean';

function asNumber(v: number | bigint | boolean): number {
  if (typeof v === 'boolean') return v ? 1 : 0;
  return Number(v);
}

export function truthOf(v: Value): Truth {
  if (v === null) return null;
  if (isList(v)) return v.length > 0;
  switch (typeof v) {
    case 'boolean':
      return v;
    case 'number':
      return Number.isNaN(v) ? null : v !== 0;
    case 'bigint':
      return v !== 0n;
    default:
      return v !== '';
  }
}

export function negate(v: Value): ScalarValue {
  if (v === null || isList(v)) return null;
  if (typeof v === 'bigint') return -v;
  if (typeof v === 'number' || typeof v === 'boolean') return -asNumber(v);
  return null;
}

const floorDiv = (a: bigint, b: bigint): bigint => {
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
};
const pythonMod = (a: number, b: number): number => a - b * Math.floor(a / b);

export function arithmetic(operator: ArithmeticOperator, left: Value, right: Value): ScalarValue {
  if (left === null || right === null || isList(left) || isList(right)) return null;
  if (typeof left === 'string' || typeof right === 'string') {
    return operator === '+' && typeof left === 'string' && typeof right === 'string' ? left + right : null;
  }
  if (typeof left === 'bigint' && typeof right === 'bigint') {
    switch (operator) {
      case '+':
        return left + right;
      case '-':
        return left - right;
      case '*':
        return left * right;
      case '/':
        return right === 0n ? null : Number(left) / Number(right);
      case '//':
        return right === 0n ? null : floorDiv(left, right);
      case '%':
        return right === 0n ? null : left - right * floorDiv(left, right);
    }
  }
  const a = asNumber(left);
  const b = asNumber(right);
  switch (operator) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return b === 0 ? null : a / b;
    case '//':
      return b === 0 ? null : Math.floor(a / b);
    case '%':
      return b === 0 ? null : pythonMod(a, b);
  }
}

function equals(left: ScalarValue, right: ScalarValue): Truth {
  if (left === null || right === null) return null;
  if (isNumeric(left) && isNumeric(right)) {
    if (typeof left === 'bigint' && typeof right === 'bigint') return left === right;
    const a = asNumber(left);
    const b = asNumber(right);
    return Number.isNaN(a) || Number.isNaN(b) ? null : a === b;
  }
  return typeof left === typeof right ? left === right : false;
}

function order(left: ScalarValue, right: ScalarValue): number | null {
  if (left === null || right === null) return null;
  if (isNumeric(left) && isNumeric(right)) {
    if (typeof left === 'bigint' && typeof right === 'bigint') return left < right ? -1 : left > right ? 1 : 0;
    const a = asNumber(left);
    const b = asNumber(right);
    return Number.isNaN(a) || Number.isNaN(b) ? null : a - b;
  }
  if (typeof left === 'string' && typeof right === 'string') return left < right ? -1 : left > right ? 1 : 0;
  return null;
}

function contains(container: Value, item: Value): Truth {
  if (container === null || item === null || isList(item)) return null;
  if (isList(container)) {
    let unknown = false;
    for (const candidate of container) {
      const same = equals(item as ScalarValue, candidate);
      if (same === true) return true;
      if (same === null) unknown = true;
    }
    return unknown ? null : false;
  }
  if (typeof container === 'string' && typeof item === 'string') return container.includes(item);
  return null;
}

export function compare(operator: CompareOperator, left: Value, right: Value): Truth {
  switch (operator) {
    case 'in':
      return contains(right, left);
    case 'not in': {
      const found = contains(right, left);
      return found === null ? null : !found;
    }
  }
  if (isList(left) || isList(right)) return null;
  const a = left;
  const b = right;
  if (operator === '==' || operator === '!=') {
    const same = equals(a, b);
    return same === null ? null : operator === '==' ? same : !same;
  }
  const sign = order(a, b);
  if (sign === null) return null;
  switch (operator) {
    case '<':
      return sign < 0;
    case '<=':
      return sign <= 0;
    case '>':
      return sign > 0;
    case '>=':
      return sign >= 0;
  }
}

/** Python's `str()` of a float: `3.0`, not `3`. */
function floatText(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  return Number.isInteger(v) && Math.abs(v) < 1e16 ? v.toFixed(1) : String(v);
}

function toNumber(v: ScalarValue): number | null {
  if (v === null) return null;
  if (typeof v === 'string') {
    const text = v.trim();
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) && !/^[+-]?(nan|inf|infinity)$/i.test(text)) return null;
    return /nan/i.test(text) ? Number.NaN : /inf/i.test(text) ? (text.startsWith('-') ? -Infinity : Infinity) : Number(text);
  }
  return asNumber(v);
}

const numericOnly = (v: ScalarValue, apply: (n: number) => number, applyInt: (n: bigint) => bigint): ScalarValue => {
  if (typeof v === 'bigint') return applyInt(v);
  if (typeof v === 'number' || typeof v === 'boolean') return apply(asNumber(v));
  return null;
};

export function callFunction(name: FunctionName, argument: Value): Value {
  if (isList(argument)) return name === 'len' ? argument.length : null;
  const v = argument;
  switch (name) {
    case 'isfinite':
      if (v === null) return false;
      return typeof v === 'number' ? Number.isFinite(v) : typeof v === 'bigint' || typeof v === 'boolean' ? true : null;
    case 'isnan':
      if (v === null) return true;
      return typeof v === 'number' ? Number.isNaN(v) : typeof v === 'bigint' || typeof v === 'boolean' ? false : null;
    case 'trunc':
      return numericOnly(v, Math.trunc, (n) => n);
    case 'floor':
      return numericOnly(v, Math.floor, (n) => n);
    case 'ceil':
      return numericOnly(v, Math.ceil, (n) => n);
    case 'abs':
      return numericOnly(v, Math.abs, (n) => (n < 0n ? -n : n));
    case 'float':
      return typeof v === 'bigint' ? Number(v) : toNumber(v);
    case 'int': {
      if (typeof v === 'bigint') return v;
      const n = toNumber(v);
      return n === null || !Number.isFinite(n) ? null : BigInt(Math.trunc(n));
    }
    case 'str':
      if (v === null) return null;
      if (typeof v === 'number') return floatText(v);
      if (typeof v === 'boolean') return v ? 'True' : 'False';
      return String(v);
    case 'len':
      return typeof v === 'string' ? [...v].length : null;
  }
}

/** `target[index]` for strings and lists, with Python's negative indices; out of range is null. */
export function indexInto(target: Value, index: Value): Value {
  if (index === null || isList(index)) return null;
  const i = typeof index === 'bigint' ? Number(index) : typeof index === 'number' && Number.isInteger(index) ? index : null;
  if (i === null) return null;
  const items: readonly ScalarValue[] | null = typeof target === 'string' ? [...target] : isList(target) ? target : null;
  if (!items) return null;
  const at = i < 0 ? items.length + i : i;
  return at >= 0 && at < items.length ? (items[at] ?? null) : null;
}
