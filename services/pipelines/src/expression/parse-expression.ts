import { ok, type Result } from '@pz/contracts';
import { pipelineError, type PipelineError } from '../errors';
import { FUNCTION_NAMES, type ArithmeticOperator, type CompareOperator, type Expression, type FunctionName } from './syntax-tree';
import { tokenize, type Token } from './tokenize';

export const MAX_EXPRESSION_LENGTH = 2000;
export const MAX_EXPRESSION_DEPTH = 40;

/** Prefixes under which numpy/math functions may be called (`np.isfinite(z)`). */
const MODULES = new Set(['np', 'numpy', 'math']);
/** Callable without a prefix, as Python builtins. */
const BUILTINS = new Set<FunctionName>(['abs', 'float', 'int', 'str', 'len']);
const MODULE_FUNCTIONS = new Set<FunctionName>(['isfinite', 'isnan', 'trunc', 'floor', 'ceil', 'abs']);
const LITERAL_NAMES: ReadonlyMap<string, boolean | null> = new Map([
  ['True', true],
  ['False', false],
  ['None', null],
]);
/** Python keywords that are not part of the language: their presence is a mistake or an attack. */
const REJECTED_NAMES = new Set([
  'lambda', 'import', 'from', 'def', 'class', 'return', 'yield', 'await', 'async', 'if', 'else', 'for', 'while', 'is', 'with', 'as',
  'global', 'nonlocal', 'del', 'pass', 'raise', 'try', 'except', 'finally', 'assert', 'break', 'continue', 'elif',
]);
const COMPARE_SYMBOLS = new Set(['==', '!=', '<', '<=', '>', '>=']);
const isFunctionName = (name: string): name is FunctionName => (FUNCTION_NAMES as readonly string[]).includes(name);

/**
 * Thrown only inside this module and turned into an error value by `parseExpression`: a
 * recursive-descent parser reads far more plainly when a failure can leave from any depth.
 */
class ParseFailure {
  constructor(readonly error: PipelineError) {}
}

class Parser {
  private position = 0;
  private depth = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  parseAll(): Expression {
    const expression = this.expression();
    const next = this.peek();
    if (next.kind !== 'end') this.fail(`unexpected ${describe(next)} at ${next.at}`);
    return expression;
  }

  private expression(): Expression {
    if (++this.depth > MAX_EXPRESSION_DEPTH) {
      throw new ParseFailure(pipelineError('EXPRESSION_TOO_COMPLEX', `expressions nest at most ${MAX_EXPRESSION_DEPTH} deep`));
    }
    const result = this.or();
    this.depth--;
    return result;
  }

  private or(): Expression {
    const operands = [this.and()];
    while (this.acceptName('or')) operands.push(this.and());
    return operands.length === 1 ? (operands[0] as Expression) : { kind: 'logical', operator: 'or', operands };
  }

  private and(): Expression {
    const operands = [this.not()];
    while (this.acceptName('and')) operands.push(this.not());
    return operands.length === 1 ? (operands[0] as Expression) : { kind: 'logical', operator: 'and', operands };
  }

  private not(): Expression {
    if (this.acceptName('not')) return { kind: 'not', operand: this.nested(() => this.not()) };
    return this.comparison();
  }

  private comparison(): Expression {
    const first = this.sum();
    const links: { operator: CompareOperator; operand: Expression }[] = [];
    for (;;) {
      const operator = this.compareOperator();
      if (!operator) break;
      links.push({ operator, operand: this.sum() });
    }
    return links.length === 0 ? first : { kind: 'compare', first, links };
  }

  private compareOperator(): CompareOperator | null {
    const token = this.peek();
    if (token.kind === 'symbol' && COMPARE_SYMBOLS.has(token.text)) {
      this.position++;
      return token.text as CompareOperator;
    }
    if (this.acceptName('in')) return 'in';
    const after = this.tokens[this.position + 1];
    if (token.kind === 'name' && token.text === 'not' && after?.kind === 'name' && after.text === 'in') {
      this.position += 2;
      return 'not in';
    }
    return null;
  }

  private sum(): Expression {
    let left = this.product();
    for (let op = this.acceptSymbol('+', '-'); op; op = this.acceptSymbol('+', '-')) {
      left = { kind: 'arithmetic', operator: op as ArithmeticOperator, left, right: this.product() };
    }
    return left;
  }

  private product(): Expression {
    let left = this.unary();
    for (let op = this.acceptSymbol('*', '/', '//', '%'); op; op = this.acceptSymbol('*', '/', '//', '%')) {
      left = { kind: 'arithmetic', operator: op as ArithmeticOperator, left, right: this.unary() };
    }
    return left;
  }

  private unary(): Expression {
    const sign = this.acceptSymbol('-', '+');
    if (!sign) return this.postfix();
    const operand = this.nested(() => this.unary());
    return sign === '-' ? { kind: 'negate', operand } : operand;
  }

  private postfix(): Expression {
    let target = this.atom();
    while (this.acceptSymbol('[')) {
      const index = this.expression();
      this.expectSymbol(']');
      target = { kind: 'index', target, index };
    }
    return target;
  }

  private atom(): Expression {
    const token = this.next();
    switch (token.kind) {
      case 'number':
        return { kind: 'literal', value: Number(token.text) };
      case 'string':
        return { kind: 'literal', value: token.value };
      case 'name':
        return this.named(token.text, token.at);
      case 'symbol':
        if (token.text === '(') return this.parenthesised();
        if (token.text === '[') return { kind: 'list', items: this.items(']').items };
        return this.fail(`unexpected ${describe(token)} at ${token.at}`);
      case 'end':
        return this.fail('unexpected end of expression');
    }
  }

  private named(name: string, at: number): Expression {
    if (LITERAL_NAMES.has(name)) return { kind: 'literal', value: LITERAL_NAMES.get(name) ?? null };
    if (name.startsWith('__') || REJECTED_NAMES.has(name)) return this.fail(`"${name}" is not allowed in a rule expression`);
    if (['and', 'or', 'not', 'in'].includes(name)) return this.fail(`unexpected "${name}" at ${at}`);
    if (this.acceptSymbol('.')) {
      const member = this.next();
      if (!MODULES.has(name) || member.kind !== 'name' || !isFunctionName(member.text) || !MODULE_FUNCTIONS.has(member.text)) {
        const attribute = `${name}.${member.kind === 'name' ? member.text : '…'}`;
        return this.fail(`attribute access "${attribute}" is not allowed; only np./math. ${[...MODULE_FUNCTIONS].join(', ')}`);
      }
      return this.call(member.text);
    }
    const after = this.peek();
    if (after.kind === 'symbol' && after.text === '(') {
      if (!isFunctionName(name) || !BUILTINS.has(name)) return this.fail(`unknown function "${name}"; allowed: ${[...BUILTINS].join(', ')}`);
      return this.call(name);
    }
    return { kind: 'column', name };
  }

  private call(name: FunctionName): Expression {
    this.expectSymbol('(');
    const args = this.items(')').items;
    if (args.length !== 1) this.fail(`${name}() takes exactly one argument`);
    return { kind: 'call', name, argument: args[0] as Expression };
  }

  /** `(a)` is grouping; `(a, b)` is a tuple, which Python allows after `in`. */
  private parenthesised(): Expression {
    const { items, trailingComma } = this.items(')');
    if (items.length === 1 && !trailingComma) return items[0] as Expression;
    return { kind: 'list', items };
  }

  private items(close: ')' | ']'): { items: Expression[]; trailingComma: boolean } {
    const items: Expression[] = [];
    let trailingComma = false;
    while (!this.acceptSymbol(close)) {
      items.push(this.expression());
      trailingComma = this.acceptSymbol(',') !== null;
      if (!trailingComma) {
        this.expectSymbol(close);
        break;
      }
    }
    return { items, trailingComma };
  }

  private nested(parse: () => Expression): Expression {
    if (++this.depth > MAX_EXPRESSION_DEPTH) {
      throw new ParseFailure(pipelineError('EXPRESSION_TOO_COMPLEX', `expressions nest at most ${MAX_EXPRESSION_DEPTH} deep`));
    }
    const result = parse();
    this.depth--;
    return result;
  }

  private peek(): Token {
    return this.tokens[this.position] ?? { kind: 'end', at: 0 };
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.position++;
    return token;
  }

  private acceptName(name: string): boolean {
    const token = this.peek();
    if (token.kind === 'name' && token.text === name) {
      this.position++;
      return true;
    }
    return false;
  }

  private acceptSymbol(...symbols: string[]): string | null {
    const token = this.peek();
    if (token.kind === 'symbol' && symbols.includes(token.text)) {
      this.position++;
      return token.text;
    }
    return null;
  }

  private expectSymbol(symbol: string): void {
    if (!this.acceptSymbol(symbol)) {
      const token = this.peek();
      this.fail(`expected "${symbol}" but found ${describe(token)} at ${token.at}`);
    }
  }

  private fail(message: string): never {
    throw new ParseFailure(pipelineError('EXPRESSION_INVALID', message));
  }
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'end':
      return 'end of expression';
    case 'string':
      return `string ${JSON.stringify(token.value)}`;
    default:
      return `"${token.text}"`;
  }
}

/** Parses one rule condition; anything outside the language is an `EXPRESSION_*` error value. */
export function parseExpression(source: string): Result<Expression, PipelineError> {
  if (source.length > MAX_EXPRESSION_LENGTH) {
    return { ok: false, error: pipelineError('EXPRESSION_TOO_COMPLEX', `expressions are at most ${MAX_EXPRESSION_LENGTH} characters`) };
  }
  const tokens = tokenize(source);
  if (!tokens.ok) return tokens;
  try {
    return ok(new Parser(tokens.value).parseAll());
  } catch (failure) {
    if (failure instanceof ParseFailure) return { ok: false, error: failure.error };
    throw failure;
  }
}
