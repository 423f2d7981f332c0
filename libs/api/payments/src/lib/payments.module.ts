import { Module } from '@nestjs/common';

import { AuthModule } from '@finserve/api/auth';
import { AppConfig } from '@finserve/api/core';
import { TipsModule } from '@finserve/api/tips';

import { DepositsRepository } from './deposits.repository';
import { SandboxPaymentController, StripeWebhookController } from './payments.controller';
import { PaymentsResolver } from './payments.resolver';
import { PaymentsService } from './payments.service';
import { PAYMENT_PROVIDER, STRIPE, WEBHOOK_SECRET } from './payments.tokens';
import { PayoutsRepository } from './payouts.repository';
import { PayoutsService } from './payouts.service';
import { SandboxProvider, stripeClient, StripeProvider, webhookSecret } from './providers';

@Module({
  imports: [AuthModule, TipsModule],
  controllers: [StripeWebhookController, SandboxPaymentController],
  providers: [
    DepositsRepository,
    PayoutsRepository,
    PaymentsService,
    PayoutsService,
    PaymentsResolver,
    { provide: STRIPE, inject: [AppConfig], useFactory: stripeClient },
    { provide: WEBHOOK_SECRET, inject: [AppConfig], useFactory: webhookSecret },
    {
      provide: PAYMENT_PROVIDER,
      inject: [AppConfig, STRIPE],
      useFactory: (config: AppConfig, stripe: ReturnType<typeof stripeClient>) => {
        const kind = config.paymentsProvider;
        if (kind === 'stripe') return new StripeProvider(stripe);
        if (kind === 'sandbox') return new SandboxProvider();
        return null;
      },
    },
  ],
  exports: [PaymentsService, PayoutsService],
})
export class PaymentsModule {}
