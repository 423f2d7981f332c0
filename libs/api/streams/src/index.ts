export * from './lib/dto/create-stream.input';
export * from './lib/stream-events';
export * from './lib/stream.entity';
export * from './lib/stream.model';
export * from './lib/streamer-presence.service';
export * from './lib/streams.module';
export * from './lib/streams.service';
