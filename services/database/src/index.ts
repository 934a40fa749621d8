export { openDatabase, quoteIdent, type Database, type DatabaseOptions } from './open-database';
export { migrate, type Migration } from './migrate';
export { toBigInt } from './numbers';
