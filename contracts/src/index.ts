export * from './result';
export * from './event-metadata';
export * from './events';
export * from './ledger';
export * from './product-rules';
export * from './validate-event';
