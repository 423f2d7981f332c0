import { InteractivityChecker } from '@angular/cdk/a11y';
import { ApplicationRef } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { MATERIAL_ANIMATIONS } from '@angular/material/core';
import { MatDialog } from '@angular/material/dialog';
import { firstValueFrom } from 'rxjs';

import { ConfirmDialogComponent, type ConfirmDialogData } from './confirm-dialog.component';

const data: ConfirmDialogData = {
  title: 'End the stream?',
  message: 'Viewers will see that the stream has ended.',
  confirm: 'End stream',
};

describe('ConfirmDialogComponent', () => {
  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [
        { provide: MATERIAL_ANIMATIONS, useValue: { animationsDisabled: true } },
        // jsdom has no layout, so nothing would count as visible and focusable.
        {
          provide: InteractivityChecker,
          useValue: {
            isDisabled: (element: Element) => element.hasAttribute('disabled'),
            isVisible: () => true,
            isFocusable: () => true,
            isTabbable: () => true,
          },
        },
      ],
    });
  });

  afterEach(() => TestBed.inject(MatDialog).closeAll());

  const open = async () => {
    const ref = TestBed.inject(MatDialog).open<ConfirmDialogComponent, ConfirmDialogData, boolean>(
      ConfirmDialogComponent,
      { data },
    );
    const closed = firstValueFrom(ref.afterClosed());
    await TestBed.inject(ApplicationRef).whenStable();
    const pane = document.querySelector<HTMLElement>('fs-confirm-dialog');
    if (!pane) throw new Error('dialog not rendered');
    const buttons = [...pane.querySelectorAll<HTMLButtonElement>('button')];
    return { pane, buttons, closed };
  };

  it('asks the question with its title, message and confirm label', async () => {
    const { pane, buttons } = await open();
    expect(pane.querySelector('h2')?.textContent?.trim()).toBe('End the stream?');
    expect(pane.querySelector('mat-dialog-content')?.textContent?.trim()).toBe(
      'Viewers will see that the stream has ended.',
    );
    expect(buttons.map((button) => button.textContent?.trim())).toEqual(['Cancel', 'End stream']);
  });

  it('closes with true when confirmed', async () => {
    const { pane, closed } = await open();
    pane.querySelector<HTMLButtonElement>('[data-testid=confirm]')?.click();
    await expect(closed).resolves.toBe(true);
  });

  it('closes with false when cancelled', async () => {
    const { buttons, closed } = await open();
    buttons[0]?.click();
    await expect(closed).resolves.toBe(false);
  });

  it('puts the focus on Cancel first, so Enter does not confirm by accident', async () => {
    const { buttons } = await open();
    await new Promise((resolve) => setTimeout(resolve));
    expect(buttons[0]?.textContent?.trim()).toBe('Cancel');
    expect(document.activeElement).toBe(buttons[0]);
  });
});
