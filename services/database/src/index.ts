export { openDatabase, type Database, type DatabaseOptions } from './open-database';
export { toBigInt } from './numbers';
