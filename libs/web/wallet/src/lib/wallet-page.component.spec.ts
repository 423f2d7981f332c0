import { onboardingUrlOf } from './wallet-page.component';

describe('onboardingUrlOf', () => {
  it("takes the provider's https onboarding page from a CONFLICT answer", () => {
    const error = {
      errors: [
        {
          message: 'Finish setting up your payout account',
          extensions: {
            code: 'CONFLICT',
            onboardingUrl: 'https://connect.stripe.com/setup/e/acct_1',
          },
        },
      ],
    };
    expect(onboardingUrlOf(error)).toBe('https://connect.stripe.com/setup/e/acct_1');
  });

  it('ignores errors without one, and any page that is not https (never navigates to javascript:)', () => {
    expect(
      onboardingUrlOf({ errors: [{ extensions: { code: 'INSUFFICIENT_FUNDS' } }] }),
    ).toBeNull();
    expect(
      onboardingUrlOf({ errors: [{ extensions: { onboardingUrl: 'javascript:alert(1)' } }] }),
    ).toBeNull();
    expect(onboardingUrlOf(new Error('network'))).toBeNull();
  });
});
