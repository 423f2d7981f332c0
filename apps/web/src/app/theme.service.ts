import { DOCUMENT, inject, Injectable, signal } from '@angular/core';

export type ThemeChoice = 'system' | 'light' | 'dark';
const KEY = 'finserve.theme';

/** Light, dark or the system's choice: one theme, switched through `color-scheme`. */
@Injectable({ providedIn: 'root' })
export class ThemeService {
  private readonly document = inject(DOCUMENT);
  readonly choice = signal<ThemeChoice>(this.stored());

  constructor() {
    this.apply(this.choice());
  }

  next(): void {
    const order: ThemeChoice[] = ['system', 'light', 'dark'];
    const choice = order[(order.indexOf(this.choice()) + 1) % order.length] ?? 'system';
    this.choice.set(choice);
    this.apply(choice);
    try {
      localStorage.setItem(KEY, choice);
    } catch {
      // storage disabled: the choice lasts for this page
    }
  }

  private apply(choice: ThemeChoice): void {
    const root = this.document.documentElement;
    root.classList.toggle('light', choice === 'light');
    root.classList.toggle('dark', choice === 'dark');
  }

  private stored(): ThemeChoice {
    try {
      const value = localStorage.getItem(KEY);
      return value === 'light' || value === 'dark' ? value : 'system';
    } catch {
      return 'system';
    }
  }
}
