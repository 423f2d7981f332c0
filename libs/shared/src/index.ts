export * from './lib/error-codes';
export * from './lib/roles';
export * from './lib/username';
export * from './lib/stream-status';
export * from './lib/chat';
export * from './lib/money';
export * from './lib/text';
