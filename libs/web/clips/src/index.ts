export * from './clips.routes';
export * from './lib/clip-button.component';
export * from './lib/clip-list.component';
