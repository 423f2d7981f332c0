export * from './lib/auth.module';
export * from './lib/token.service';
export * from './lib/user.entity';
export * from './lib/user.model';
export * from './lib/users.service';
export * from './lib/user.loader';
export * from './lib/sessions.service';
export * from './lib/user-bans';
