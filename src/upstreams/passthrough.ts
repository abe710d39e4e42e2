/**
 * A Standard Schema that accepts any value as it is. Warden relays results; it does not
 * re-validate them with the SDK's zod schemas on the hot path (the agent's own client does),
 * and an upstream's extra fields must survive the hop.
 */
export const passthrough = {
  '~standard': {
    version: 1 as const,
    vendor: 'warden',
    validate: (value: unknown) => ({ value }),
  },
};
