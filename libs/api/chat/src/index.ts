export * from './lib/chat.model';
export * from './lib/chat.module';
export * from './lib/chat.service';
export * from './lib/chat-moderation.service';
