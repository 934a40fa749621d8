export { leaseApplicationName, openDatabase, quoteIdent, soleLease, type Database, type DatabaseOptions, type Lease } from './open-database';
export { migrate, type Migration } from './migrate';
export { toBigInt } from './numbers';
