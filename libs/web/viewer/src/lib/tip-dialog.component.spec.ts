import { TestBed } from '@angular/core/testing';
import { MAT_DIALOG_DATA } from '@angular/material/dialog';
import { jest } from '@jest/globals';
import {
  APOLLO_TESTING_CACHE,
  ApolloTestingController,
  ApolloTestingModule,
} from 'apollo-angular/testing';

import { ErrorCode } from '@finserve/shared';
import { createCache } from '@finserve/web/data-access';

import { TipDialogComponent, type TipDialogData } from './tip-dialog.component';

const data: TipDialogData = { streamId: 'stream-7', streamerName: 'Ada' };

/** Lets Apollo deliver what a test flushed (it answers asynchronously), then renders. */
async function settle(fixture: { whenStable(): Promise<unknown> }): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve));
  await fixture.whenStable();
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('TipDialogComponent', () => {
  let controller: ApolloTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({
      imports: [ApolloTestingModule],
      providers: [
        { provide: MAT_DIALOG_DATA, useValue: data },
        { provide: APOLLO_TESTING_CACHE, useFactory: createCache },
      ],
    });
    controller = TestBed.inject(ApolloTestingController);
  });

  afterEach(() => {
    jest.useRealTimers();
    controller.verify();
  });

  const wallets = (usdCents: number) => ({
    myWallets: [
      { __typename: 'Wallet', currency: 'EUR', balanceCents: 999_00 },
      { __typename: 'Wallet', currency: 'USD', balanceCents: usdCents },
    ],
    paymentsTestMode: true,
  });

  /** The dialog with its balance answered (USD wallet among others). */
  const open = async (usdCents = 123_45) => {
    const fixture = TestBed.createComponent(TipDialogComponent);
    await settle(fixture);
    controller.expectOne('MyWallets').flushData(wallets(usdCents));
    await settle(fixture);
    const element = fixture.nativeElement as HTMLElement;
    const get = <T extends Element = HTMLElement>(selector: string): T => {
      const found = element.querySelector<T>(selector);
      if (!found) throw new Error(`${selector} not rendered`);
      return found;
    };
    const sendButton = () => get<HTMLButtonElement>('[data-testid=tip-send]');
    const choose = async (testid: string) => {
      get(`[data-testid=${testid}] button`).click();
      await settle(fixture);
    };
    const type = async (testid: string, value: string) => {
      const input = get<HTMLInputElement>(`[data-testid=${testid}]`);
      input.value = value;
      input.dispatchEvent(new Event('input'));
      await settle(fixture);
    };
    const text = (testid: string) => element.querySelector(`[data-testid=${testid}]`)?.textContent;
    return { fixture, element, get, sendButton, choose, type, text };
  };

  it('offers Add funds only when the balance cannot pay the tip, and starts one deposit coming back to /wallet/return', async () => {
    const rich = await open(10_00);
    expect(rich.text('tip-short')).toBeUndefined();
    rich.fixture.destroy();

    const { get, choose, text, fixture } = await open(0);
    expect(text('tip-short')).toContain('Your balance is too low for this tip');
    expect(text('payments-test-mode')).toContain('TEST MODE');
    expect(get('[data-testid=tip-add-funds]').textContent?.trim()).toContain('Add $20.00');
    await choose('deposit-preset-50');
    expect(get('[data-testid=tip-add-funds]').textContent?.trim()).toContain('Add $50.00');
    get<HTMLButtonElement>('[data-testid=tip-add-funds]').click();
    get<HTMLButtonElement>('[data-testid=tip-add-funds]').click();
    await settle(fixture);
    const request = controller.expectOne('AddFunds');
    const input = request.operation.variables['input'] as Record<string, unknown>;
    expect(input).toEqual({
      amountCents: 50_00,
      currency: 'USD',
      returnUrl: `${window.location.origin}/wallet/return?stream=stream-7`,
      idempotencyKey: expect.stringMatching(UUID),
    });
    // No page to go to (checkoutUrl null): the dialog stays, ready again.
    request.flushData({
      addFunds: {
        __typename: 'Deposit',
        id: 'd-1',
        status: 'FAILED',
        amountCents: 50_00,
        currency: 'USD',
        checkoutUrl: null,
      },
    });
    await settle(fixture);
    expect(get<HTMLButtonElement>('[data-testid=tip-add-funds]').disabled).toBe(false);
  });

  it('offers $5, $10, $25, $50, $100 and a custom amount, $10 chosen at first', async () => {
    const { element, sendButton } = await open();
    const toggles = [...element.querySelectorAll('mat-button-toggle')];
    expect(toggles.map((toggle) => toggle.textContent?.trim())).toEqual([
      '$5.00',
      '$10.00',
      '$25.00',
      '$50.00',
      '$100.00',
      'Custom',
    ]);
    const checked = element.querySelectorAll('mat-button-toggle.mat-button-toggle-checked');
    expect([...checked].map((toggle) => toggle.getAttribute('data-testid'))).toEqual([
      'tip-preset-10',
    ]);
    expect(sendButton().textContent?.trim()).toBe('Send $10.00');
    expect(sendButton().disabled).toBe(false);
    expect(element.querySelector('h2')?.textContent).toContain('Tip Ada');
  });

  it('shows the USD balance once the wallets are loaded', async () => {
    const fixture = TestBed.createComponent(TipDialogComponent);
    await settle(fixture);
    const balance = () =>
      (fixture.nativeElement as HTMLElement).querySelector('[data-testid=tip-balance]');
    expect(balance()?.textContent?.replace(/\s+/g, ' ').trim()).toBe('Balance: …');
    controller.expectOne('MyWallets').flushData(wallets(123_45));
    await settle(fixture);
    expect(balance()?.textContent?.replace(/\s+/g, ' ').trim()).toBe('Balance: $123.45');
    expect(balance()?.getAttribute('data-cents')).toBe('12345');
  });

  it('shows a zero balance when the user has no USD wallet', async () => {
    const fixture = TestBed.createComponent(TipDialogComponent);
    await settle(fixture);
    controller.expectOne('MyWallets').flushData({
      myWallets: [{ __typename: 'Wallet', currency: 'EUR', balanceCents: 500 }],
    });
    await settle(fixture);
    const element = fixture.nativeElement as HTMLElement;
    expect(element.querySelector('[data-testid=tip-balance] strong')?.textContent).toBe('$0.00');
  });

  it('changes the amount to send with the chosen preset', async () => {
    const { choose, sendButton } = await open();
    await choose('tip-preset-50');
    expect(sendButton().textContent?.trim()).toBe('Send $50.00');
    await choose('tip-preset-5');
    expect(sendButton().textContent?.trim()).toBe('Send $5.00');
  });

  it('validates a custom amount and only enables Send for a valid one', async () => {
    const { element, choose, type, sendButton, text } = await open();
    expect(element.querySelector('[data-testid=tip-custom]')).toBeNull();
    await choose('tip-preset-custom');
    expect(element.querySelector('[data-testid=tip-custom]')).not.toBeNull();
    // Nothing typed yet: nothing to send, and no error shouted at the user.
    expect(sendButton().disabled).toBe(true);
    expect(element.querySelector('mat-hint.fs-error')).toBeNull();

    const cases: [string, string][] = [
      ['abc', 'Enter an amount like 12 or 12.50'],
      ['12.345', 'Enter an amount like 12 or 12.50'],
      ['0.99', 'The smallest tip is $1.00'],
      ['10000.01', 'The largest tip is $10,000.00'],
    ];
    for (const [typed, message] of cases) {
      await type('tip-custom', typed);
      expect(element.querySelector('mat-hint.fs-error')?.textContent?.trim()).toBe(message);
      expect(sendButton().disabled).toBe(true);
    }

    await type('tip-custom', '$1,234.5');
    expect(element.querySelector('mat-hint.fs-error')).toBeNull();
    expect(sendButton().disabled).toBe(false);
    expect(text('tip-send')?.trim()).toBe('Send $1,234.50');
  });

  it('sends the chosen amount, the stream, a UUID key and the trimmed message, then shows the success and the new balance', async () => {
    const { fixture, element, choose, type, sendButton, text } = await open(100_00);
    await choose('tip-preset-25');
    await type('tip-message', '  great trade!  ');
    sendButton().click();
    await settle(fixture);

    const operation = controller.expectOne('SendTip');
    const input = operation.operation.variables['input'] as Record<string, unknown>;
    expect(input).toEqual({
      streamId: 'stream-7',
      amountCents: 25_00,
      currency: 'USD',
      idempotencyKey: expect.stringMatching(UUID),
      message: 'great trade!',
    });
    expect(sendButton().disabled).toBe(true);
    expect(element.querySelector('mat-progress-bar')).not.toBeNull();

    operation.flushData({
      sendTip: {
        __typename: 'Tip',
        id: 'tip-1',
        amountCents: 25_00,
        currency: 'USD',
        netCents: 23_75,
      },
    });
    await settle(fixture);
    // The balance is read again after a tip.
    controller.expectOne('MyWallets').flushData(wallets(75_00));
    await settle(fixture);

    expect(text('tip-success')?.replace(/\s+/g, ' ')).toContain('You tipped $25.00. Thank you!');
    expect(element.querySelector('[data-testid=tip-balance] strong')?.textContent).toBe('$75.00');
    expect(element.querySelector('[data-testid=tip-send]')).toBeNull();
    expect(element.querySelector('mat-progress-bar')).toBeNull();
    expect(element.querySelector('[data-testid=tip-error]')).toBeNull();
  });

  it('leaves out an empty message', async () => {
    const { fixture, type, sendButton } = await open();
    await type('tip-message', '   ');
    sendButton().click();
    await settle(fixture);
    const operation = controller.expectOne('SendTip');
    expect(operation.operation.variables['input']).toMatchObject({ amountCents: 10_00 });
    expect(
      (operation.operation.variables['input'] as { message?: string }).message,
    ).toBeUndefined();
    operation.networkError(new Error('offline'));
    await settle(fixture);
  });

  it('sends one tip for a double click', async () => {
    const { fixture, sendButton } = await open();
    sendButton().click();
    sendButton().click();
    await settle(fixture);
    // expectOne fails when two SendTip operations were made.
    const operation = controller.expectOne('SendTip');
    sendButton().click();
    await settle(fixture);
    controller.expectNone('SendTip');
    operation.flushData({
      sendTip: {
        __typename: 'Tip',
        id: 'tip-1',
        amountCents: 10_00,
        currency: 'USD',
        netCents: 9_50,
      },
    });
    await settle(fixture);
    controller.expectOne('MyWallets').flushData(wallets(113_45));
    await settle(fixture);
  });

  it('sends the same idempotency key again when a failed send is retried', async () => {
    const { fixture, sendButton, text, choose } = await open();
    sendButton().click();
    await settle(fixture);
    const first = controller.expectOne('SendTip');
    first.networkError(new Error('offline'));
    await settle(fixture);
    expect(text('tip-error')).toBe('Cannot reach the server. Check your connection and try again.');

    // Even with another amount the dialog keeps its key: the server decides what the key means.
    await choose('tip-preset-50');
    expect(text('tip-error')).toBeUndefined();
    sendButton().click();
    await settle(fixture);
    const second = controller.expectOne('SendTip');
    const key = (op: typeof first) =>
      (op.operation.variables['input'] as { idempotencyKey: string }).idempotencyKey;
    expect(key(second)).toBe(key(first));
    second.networkError(new Error('offline'));
    await settle(fixture);
  });

  it('uses a new idempotency key for every dialog', async () => {
    const keys = new Set<string>();
    for (let i = 0; i < 2; i++) {
      const { fixture, sendButton } = await open();
      sendButton().click();
      await settle(fixture);
      const operation = controller.expectOne('SendTip');
      keys.add(
        (operation.operation.variables['input'] as { idempotencyKey: string }).idempotencyKey,
      );
      operation.networkError(new Error('offline'));
      await settle(fixture);
    }
    expect(keys.size).toBe(2);
  });

  it('says when the balance is too low and lets the user pick a smaller amount', async () => {
    const { fixture, element, sendButton, text } = await open(3_00);
    sendButton().click();
    await settle(fixture);
    controller
      .expectOne('SendTip')
      .graphqlErrors([
        { message: 'Insufficient funds', extensions: { code: ErrorCode.INSUFFICIENT_FUNDS } },
      ]);
    await settle(fixture);
    expect(text('tip-error')).toBe('Insufficient funds: your balance is too low for this amount.');
    expect(element.querySelector('[data-testid=tip-error]')?.getAttribute('role')).toBe('alert');
    expect(element.querySelector('[data-testid=tip-success]')).toBeNull();
    expect(sendButton().disabled).toBe(false);
  });

  it('when rate limited, shows the wait and counts it down before Send works again', async () => {
    // Only the countdown's interval is faked: Angular's scheduler keeps its real timers.
    jest.useFakeTimers({
      doNotFake: [
        'setTimeout',
        'clearTimeout',
        'requestAnimationFrame',
        'cancelAnimationFrame',
        'queueMicrotask',
        'nextTick',
        'setImmediate',
        'clearImmediate',
        'Date',
        'performance',
      ],
    });
    const { fixture, sendButton, text } = await open();
    sendButton().click();
    await settle(fixture);
    controller.expectOne('SendTip').graphqlErrors([
      {
        message: 'Too many tips',
        extensions: { code: ErrorCode.RATE_LIMITED, retryAfterSeconds: 2.2 },
      },
    ]);
    await settle(fixture);
    expect(text('tip-error')).toBe('Too many requests: try again in 3 s.');
    expect(sendButton().textContent?.trim()).toBe('Wait 3 s');
    expect(sendButton().disabled).toBe(true);

    jest.advanceTimersByTime(1000);
    await settle(fixture);
    expect(sendButton().textContent?.trim()).toBe('Wait 2 s');
    expect(sendButton().disabled).toBe(true);

    jest.advanceTimersByTime(2000);
    await settle(fixture);
    expect(sendButton().textContent?.trim()).toBe('Send $10.00');
    expect(sendButton().disabled).toBe(false);
    expect(text('tip-error')).toBeUndefined();
  });
});
