import { z } from 'zod';
import { CONFIG_DESCRIPTION_MAX_LENGTH, CONFIG_VALUE_MAX_LENGTH } from './events.js';

/** PUT /configs/:key: the whole entry; an absent description or public flag is none / false. */
export const SetSystemConfigBody = z
  .object({
    value: z.string().max(CONFIG_VALUE_MAX_LENGTH),
    description: z.string().trim().max(CONFIG_DESCRIPTION_MAX_LENGTH).nullable().optional(),
    isPublic: z.boolean().optional(),
  })
  .strict();
export type SetSystemConfigBody = z.infer<typeof SetSystemConfigBody>;
