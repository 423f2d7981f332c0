import { bootstrapApplication } from '@angular/platform-browser';

import { AppComponent } from './app/app.component';
import { appConfig } from './app/app.config';
import type { Language } from './app/language';

/** Loaded by main.ts once the language's translations are in place. */
export async function bootstrap(language: Language): Promise<void> {
  await bootstrapApplication(AppComponent, appConfig(language));
}
