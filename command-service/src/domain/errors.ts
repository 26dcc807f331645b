/**
 * Refusals `decide` can throw. `rule` is a stable kebab-case name clients may branch on; the
 * message is a sentence a client can show as is. The HTTP layer maps each class to a status, so
 * the class says what kind of refusal it is and the rule says which one.
 */
export abstract class DomainError extends Error {
  abstract readonly rule: string;
}

/** The command conflicts with the aggregate's current state (HTTP 409). */
export class BusinessRuleViolation extends DomainError {
  override readonly name = 'BusinessRuleViolation';
  constructor(
    override readonly rule: string,
    message: string,
  ) {
    super(message);
  }
}

/** The actor may not issue this command on this aggregate (HTTP 403). */
export class NotPermitted extends DomainError {
  override readonly name = 'NotPermitted';
  constructor(
    override readonly rule: string,
    message: string,
  ) {
    super(message);
  }
}

/** The aggregate (or an entity inside it) the command targets does not exist (HTTP 404). */
export class AggregateNotFound extends DomainError {
  override readonly name = 'AggregateNotFound';
  constructor(
    override readonly rule: string,
    message: string,
  ) {
    super(message);
  }
}

/** The command would create something that already exists (HTTP 409). */
export class AlreadyExists extends DomainError {
  override readonly name = 'AlreadyExists';
  constructor(
    override readonly rule: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The meeting needs a passcode from this user and the one given is wrong (HTTP 403 with a problem
 * type of its own, so that a client can ask again without parsing rules).
 */
export class WrongPasscode extends NotPermitted {
  constructor() {
    super('wrong-passcode', 'The passcode is wrong.');
  }
}
