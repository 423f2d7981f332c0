export * from './lib/chat-panel.component';
export * from './lib/chat-timeline';
