/** Postfix's smtp-sink for the tests: the same launcher as the bench (scripts/smtp-sink.js). */
export { SMTP_SINK, startSmtpSink, type SmtpSink } from '../../scripts/smtp-sink';
