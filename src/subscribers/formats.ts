import type { SuppressionReason } from '../store/types';
import { UserError } from '../util/errors';

/**
 * The exports chapters actually have, recognised by their header line, and what each row's
 * status means. Every format reads the same columns for the address and the name; what differs
 * is where the status is and how it is spelled. A status the program does not know is never
 * guessed: the import refuses and says how to map it (`--status-map`).
 */

/** What a row becomes: on the list, a suppression with its reason, or left out of the import. */
export type StatusTarget = 'active' | SuppressionReason | 'skip';
export const STATUS_TARGETS: readonly StatusTarget[] = ['active', 'unsubscribed', 'bounced', 'complained', 'manual', 'skip'];

export type FormatId = 'action-network' | 'mailchimp' | 'nationbuilder' | 'generic';

export interface Format {
  id: FormatId;
  /** For the import's report: "Mailchimp audience export". */
  title: string;
  /** How each row's status label is made from its cells; the header's column indexes are bound. */
  statusColumns: string[];
  /** The row's status label (lower-cased, spaces squashed): what `--status-map` maps. */
  label: (cell: (column: string) => string | undefined) => string;
  /** Labels this format knows. */
  known: Record<string, StatusTarget>;
}

/** Loose header matching: lower-cased, accents dropped (`Prénom`), everything but letters and digits removed. */
export function normaliseHeader(h: string): string {
  return h
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

export const HEADER_ALIASES: Record<'email' | 'name' | 'first' | 'last' | 'status', string[]> = {
  email: ['email', 'emailaddress', 'mail', 'mailaddress', 'email1', 'email1value', 'emailaddress1', 'primaryemail', 'preferredemail', 'emailadresse', 'courriel', 'correoelectronico'],
  name: ['name', 'fullname', 'displayname'],
  first: ['firstname', 'first', 'givenname', 'fname', 'forename', 'vorname', 'prenom', 'nombre'],
  last: ['lastname', 'last', 'surname', 'familyname', 'lname', 'nachname', 'nom', 'apellidos', 'apellido'],
  status: ['status', 'subscriptionstatus', 'subscriberstatus', 'emailstatus', 'emailsubscriptionstatus'],
};

/** Status words of the generic `status` column (and of listmonk's export: enabled, blocklisted). */
const GENERIC_STATUSES: Record<string, StatusTarget> = {
  '': 'active',
  active: 'active',
  subscribed: 'active',
  confirmed: 'active',
  enabled: 'active',
  unsubscribed: 'unsubscribed',
  bounced: 'bounced',
  cleaned: 'bounced',
  complained: 'complained',
  blocklisted: 'manual',
  blacklisted: 'manual',
};

/** An empty cell is named like this in reports and in `--status-map` (`--status-map "(empty)=skip"`). */
export const EMPTY_LABEL = '(empty)';

const squash = (s: string | undefined) => (s ?? '').trim().toLowerCase().replace(/\s+/g, ' ');
const truthy = (s: string | undefined) => ['true', 'yes', '1', 't', 'y'].includes(squash(s));
const falsy = (s: string | undefined) => ['false', 'no', '0', 'f', 'n'].includes(squash(s));

/**
 * The format of a header line. The most specific marker wins: Action Network's
 * `can2_subscription_status`, then Mailchimp's own columns, then NationBuilder's; anything else
 * is generic (an optional `status` column).
 */
export function detectFormat(header: string[]): Format {
  const has = (name: string) => header.some((h) => normaliseHeader(h) === normaliseHeader(name));
  const statusColumn = header.find((h) => HEADER_ALIASES.status.includes(normaliseHeader(h)));

  if (has('can2_subscription_status')) {
    return {
      id: 'action-network',
      title: 'Action Network export',
      statusColumns: ['can2_subscription_status'],
      label: (cell) => squash(cell('can2_subscription_status')) || EMPTY_LABEL,
      known: { subscribed: 'active', unsubscribed: 'unsubscribed', bouncing: 'bounced', 'spam complaint': 'complained' },
    };
  }
  const mailchimpMarkers = ['MEMBER_RATING', 'OPTIN_TIME', 'CONFIRM_TIME', 'LEID', 'EUID', 'UNSUB_TIME', 'CLEAN_TIME', 'LAST_CHANGED'];
  if (has('Email Address') && mailchimpMarkers.some(has)) {
    const columns = ['UNSUB_TIME', 'CLEAN_TIME'].filter(has);
    if (statusColumn) columns.push(statusColumn);
    return {
      id: 'mailchimp',
      title: 'Mailchimp audience export',
      statusColumns: columns,
      // The unsubscribed file has UNSUB_TIME filled on every row, the cleaned file CLEAN_TIME; the
      // subscribed file has neither. Checked per row, so the three files concatenated also work.
      label: (cell) => {
        if (squash(cell('UNSUB_TIME'))) return 'unsub_time';
        if (squash(cell('CLEAN_TIME'))) return 'clean_time';
        return statusColumn ? squash(cell(statusColumn)) : 'subscribed';
      },
      known: { ...GENERIC_STATUSES, unsub_time: 'unsubscribed', clean_time: 'bounced', pending: 'skip', transactional: 'skip' },
    };
  }
  if (has('nationbuilder_id') || has('email_opt_in')) {
    const columns = ['email1_is_bad', 'do_not_contact', 'email_opt_in'].filter(has);
    return {
      id: 'nationbuilder',
      title: 'NationBuilder people export',
      statusColumns: columns,
      label: (cell) => {
        if (truthy(cell('email1_is_bad'))) return 'email1_is_bad';
        if (truthy(cell('do_not_contact'))) return 'do_not_contact';
        const optIn = cell('email_opt_in');
        if (optIn === undefined) return 'email_opt_in missing';
        if (truthy(optIn)) return 'email_opt_in=true';
        if (falsy(optIn)) return 'email_opt_in=false';
        return `email_opt_in=${squash(optIn) || EMPTY_LABEL}`;
      },
      // Not opted in is not on the list: a suppression, so a later import cannot add them either.
      known: { email1_is_bad: 'bounced', do_not_contact: 'unsubscribed', 'email_opt_in=true': 'active', 'email_opt_in=false': 'unsubscribed' },
    };
  }
  // CRM exports (Salesforce, HubSpot, EveryAction, …) say "not on the list" in a column of its
  // own: a flag (`Email Opt Out` 1/0, `Do Not Email` true/false) or a date that is filled only
  // for those who left or bounced. Ignoring one would make every opted-out person active.
  const flags = header.filter((h) => OPT_OUT_FLAGS[normaliseHeader(h)] !== undefined);
  const marks = header.filter((h) => OPT_OUT_MARKS[normaliseHeader(h)] !== undefined);
  const statusColumns = [...flags, ...marks, ...(statusColumn ? [statusColumn] : [])];
  const known: Record<string, StatusTarget> = { ...GENERIC_STATUSES };
  for (const f of flags) known[`${squash(f)}=true`] = OPT_OUT_FLAGS[normaliseHeader(f)]!;
  for (const m of marks) known[`${squash(m)} filled`] = OPT_OUT_MARKS[normaliseHeader(m)]!;
  return {
    id: 'generic',
    title: 'CSV list',
    statusColumns,
    label: (cell) => {
      for (const f of flags) {
        const v = cell(f);
        if (truthy(v)) return `${squash(f)}=true`;
        if (!falsy(v) && squash(v)) return `${squash(f)}=${squash(v)}`;
      }
      for (const m of marks) if (squash(cell(m))) return `${squash(m)} filled`;
      return statusColumn ? squash(cell(statusColumn)) : '';
    },
    known,
  };
}

/**
 * Yes/no columns that take a person off the list when true (`1`, `true`, `yes`, …); false or empty
 * leaves the row to its status column. Any other value is unknown (the import refuses).
 */
const OPT_OUT_FLAGS: Record<string, SuppressionReason> = {
  emailoptout: 'unsubscribed', // Salesforce (HasOptedOutOfEmail)
  hasoptedoutofemail: 'unsubscribed',
  optedout: 'unsubscribed',
  optout: 'unsubscribed',
  emailoptedout: 'unsubscribed',
  unsubscribed: 'unsubscribed',
  emailunsubscribed: 'unsubscribed',
  unsubscribedfromallemail: 'unsubscribed', // HubSpot
  donotemail: 'unsubscribed', // EveryAction, CiviCRM ("Do Not Email")
  donotmail: 'unsubscribed',
  donotcontact: 'unsubscribed',
  emailbounced: 'bounced',
  isemailbounced: 'bounced', // Salesforce (IsEmailBounced)
  bounced: 'bounced',
  onhold: 'bounced', // CiviCRM ("On Hold": the address bounced)
};

/** Columns that are filled (with a date or a reason) only for people who left or bounced. */
const OPT_OUT_MARKS: Record<string, SuppressionReason> = {
  unsubscribedate: 'unsubscribed',
  unsubscribedat: 'unsubscribed',
  unsubscribedon: 'unsubscribed',
  unsubtime: 'unsubscribed',
  optoutdate: 'unsubscribed',
  emailbounceddate: 'bounced', // Salesforce
  emailbouncedreason: 'bounced',
  bouncedat: 'bounced',
  cleantime: 'bounced',
};

/**
 * `--status-map pending=skip,vip=active` (repeatable): labels as they appear in the file (case
 * and spaces do not matter), `(empty)` for an empty cell.
 */
export function parseStatusMap(values: readonly string[]): Record<string, StatusTarget> {
  const map: Record<string, StatusTarget> = {};
  for (const value of values) {
    for (const pair of value.split(',')) {
      if (!pair.trim()) continue;
      const eq = pair.lastIndexOf('=');
      const label = eq < 0 ? '' : squash(pair.slice(0, eq));
      const target = eq < 0 ? '' : squash(pair.slice(eq + 1));
      if (eq < 0 || !label) throw new UserError(`--status-map ${JSON.stringify(pair)}: write value=target, e.g. --status-map pending=skip`, 2);
      if (!STATUS_TARGETS.includes(target as StatusTarget)) {
        throw new UserError(`--status-map ${JSON.stringify(pair)}: the target must be one of ${STATUS_TARGETS.join(', ')}`, 2);
      }
      map[label === squash(EMPTY_LABEL) ? '' : label] = target as StatusTarget;
    }
  }
  return map;
}

/** A label's target: the user's map first, then the format's own words. */
export function resolveStatus(format: Format, userMap: Record<string, StatusTarget>, label: string): StatusTarget | undefined {
  const key = label === EMPTY_LABEL ? '' : label;
  return userMap[key] ?? userMap[label] ?? format.known[label];
}
