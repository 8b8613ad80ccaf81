import type { Migration } from './types.ts';

/** `/settings reasoning-effort` per channel (NULL = inherit from the parent channel, then the model's own default). */
export const migration: Migration = {
  version: 8,
  name: 'reasoning-effort',
  up: `
    ALTER TABLE channel_settings ADD COLUMN reasoning_effort TEXT CHECK (reasoning_effort IN ('minimal', 'low', 'medium', 'high'));
  `,
};
