export declare const SMTP_SINK: string;
export interface SmtpSink {
  port: number;
  stop(): Promise<void>;
}
export declare function startSmtpSink(opts?: { dumpDir?: string }): Promise<SmtpSink>;
