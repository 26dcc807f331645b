import { z } from 'zod';

export const Id = z.string().uuid();
export const IsoDateTime = z.string().datetime({ offset: true });
