import { UserError } from '../util/errors';

/** A calendar source that cannot be used: the message names the source and what to do. */
export class CalendarError extends UserError {
  constructor(message: string) {
    super(message, 1);
    this.name = 'CalendarError';
  }
}
