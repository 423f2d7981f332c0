/** Injection tokens of the payments lib. */
export const PAYMENT_PROVIDER = Symbol('PAYMENT_PROVIDER');
export const STRIPE = Symbol('STRIPE');
export const WEBHOOK_SECRET = Symbol('WEBHOOK_SECRET');
