export * from './lib/demo-publisher.service';
export * from './lib/demo.module';
