/**
 * An Emmett-style decider: the whole write-side behaviour of one stream type as two pure
 * functions. `decide` turns a command into the events to append (or throws a DomainError),
 * `evolve` folds an event into state. The repository owns loading, versions and appending, so
 * nothing here does I/O, reads the clock or generates ids.
 */
export interface Decider<Command, State, Event> {
  initialState: () => State;
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
}

/**
 * The shape every command shares. `actorId` is the authenticated caller (a user, or an SFU node
 * for media commands) and `now` is injected by the caller so that `decide` stays deterministic.
 */
export interface DomainCommand<Type extends string, Data> {
  type: Type;
  data: Data;
  actorId: string;
  now: Date;
}

/** Rebuilds state from a stream's events, oldest first. */
export function fold<State, Event>(
  decider: Pick<Decider<never, State, Event>, 'initialState' | 'evolve'>,
  events: Iterable<Event>,
): State {
  let state = decider.initialState();
  for (const event of events) state = decider.evolve(state, event);
  return state;
}
