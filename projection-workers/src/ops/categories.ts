import { streamCategory, streams } from '@meetings/events';

/** Every stream category the write side uses (`aitask`, not the helper's name `aiTask`). */
export const knownCategories: readonly string[] = Object.values(streams).map((name) =>
  streamCategory(name('x')),
);
