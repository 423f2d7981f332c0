export * from './lib/chat-panel.component';
export * from './lib/chat-timeline';
export * from './lib/chat-replay.component';
