-- Where a booking's time goes after the payment, per step, for operators and the flash-sale
-- bench: rendering an invoice's PDF and storing it in S3, composing a message (templates,
-- the QR code, the attached invoice) and handing it to the provider (SMTP, SNS). Milliseconds
-- of the attempt that did the work; null on rows written before this migration and on steps
-- that did not run (a skipped message, a document stored by an earlier attempt).
alter table invoices
    add column render_ms int check (render_ms >= 0),
    add column upload_ms int check (upload_ms >= 0);

alter table notifications
    add column compose_ms int check (compose_ms >= 0),
    add column send_ms    int check (send_ms >= 0);
