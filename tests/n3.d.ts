/** The part of the `n3` package (a devDependency; it ships no types) the tests use to read Turtle back. */
declare module 'n3' {
  export interface Term {
    readonly termType: string;
    readonly value: string;
    readonly datatype?: { readonly value: string };
  }
  export interface Quad {
    readonly subject: Term;
    readonly predicate: Term;
    readonly object: Term;
  }
  export class Parser {
    constructor(options?: { format?: string; baseIRI?: string });
    parse(input: string): Quad[];
  }
}
