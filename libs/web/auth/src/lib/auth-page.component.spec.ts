import { TestBed } from '@angular/core/testing';
import { provideRouter, Router } from '@angular/router';
import { CombinedGraphQLErrors } from '@apollo/client/errors';
import { jest } from '@jest/globals';

import { AuthService, provideGraphql } from '@finserve/web/data-access';

import { AuthPageComponent } from './auth-page.component';

describe('AuthPageComponent', () => {
  beforeEach(() => {
    TestBed.configureTestingModule({ providers: [provideRouter([]), provideGraphql()] });
  });

  const render = async (mode: 'signin' | 'signup') => {
    const fixture = TestBed.createComponent(AuthPageComponent);
    fixture.componentRef.setInput('mode', mode);
    await fixture.whenStable();
    return { fixture, element: fixture.nativeElement as HTMLElement };
  };

  it('asks for a display name only when signing up', async () => {
    expect((await render('signin')).element.querySelector('input[name=displayName]')).toBeNull();
    const { element } = await render('signup');
    expect(element.querySelector('input[name=displayName]')).not.toBeNull();
    expect(element.querySelector('h1')?.textContent).toContain('Create your account');
  });

  it('labels every field', async () => {
    const { element } = await render('signup');
    const inputs = [...element.querySelectorAll('input')];
    expect(inputs.length).toBe(3);
    for (const input of inputs) expect(input.labels?.length).toBeGreaterThan(0);
  });

  it('does not submit an invalid form and says what is wrong', async () => {
    const { fixture, element } = await render('signup');
    const navigate = jest.spyOn(TestBed.inject(Router), 'navigateByUrl');
    const username = element.querySelector<HTMLInputElement>('input[name=username]');
    const password = element.querySelector<HTMLInputElement>('input[name=password]');
    if (!username || !password) throw new Error('form fields missing');
    username.value = 'no spaces allowed';
    username.dispatchEvent(new Event('input'));
    password.value = 'short';
    password.dispatchEvent(new Event('input'));
    element.querySelector('form')?.dispatchEvent(new Event('submit'));
    await fixture.whenStable();
    const errors = [...element.querySelectorAll('mat-error')].map((e) => e.textContent?.trim());
    expect(errors).toEqual(['3–32 letters, digits or underscores', 'At least 8 characters']);
    expect(navigate).not.toHaveBeenCalled();
  });

  it('says the username or password is wrong when sign-in is refused (not "sign in first")', async () => {
    const refused = new CombinedGraphQLErrors({
      errors: [{ message: 'Wrong username or password', extensions: { code: 'UNAUTHENTICATED' } }],
    });
    TestBed.overrideProvider(AuthService, {
      useValue: { signIn: jest.fn(() => Promise.reject(refused)) },
    });
    const { fixture, element } = await render('signin');
    const username = element.querySelector<HTMLInputElement>('input[name=username]');
    const password = element.querySelector<HTMLInputElement>('input[name=password]');
    if (!username || !password) throw new Error('form fields missing');
    username.value = 'alice';
    username.dispatchEvent(new Event('input'));
    password.value = 'not the password';
    password.dispatchEvent(new Event('input'));
    element.querySelector('form')?.dispatchEvent(new Event('submit'));
    await new Promise((resolve) => setTimeout(resolve));
    await fixture.whenStable();
    const alert = element.querySelector('[role=alert]')?.textContent?.trim();
    expect(alert).toBe('Wrong username or password.');
  });
});
