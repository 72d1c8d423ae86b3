-- Notifications: one row per message that a booking (or an announcement) sends on a channel,
-- the record of whether it went out. A row is claimed before its message is sent and settled
-- after, so a retried or restarted activity never sends a message twice (docs/NOTIFICATIONS.md).

create table notifications (
    notification_id  uuid primary key default gen_random_uuid(),
    -- What the message is about: a booking, or an announcement (a movie's first show in a
    -- city, `{movie_id}:{city}`) to one subscription.
    booking_id       uuid references bookings (booking_id),
    announcement_key text,
    subscription_id  uuid references subscriptions (subscription_id),
    kind             text not null check (kind in (
        'confirmation', 'cancellation', 'refund', 'reminder', 'announcement')),
    channel          text not null check (channel in ('email', 'sms')),
    -- The template rendered, e.g. `confirmation/email.hi` (set when the message is rendered).
    template         text,
    status           text not null default 'pending' check (status in (
        'pending', 'sending', 'sent', 'failed', 'skipped', 'unknown')),
    attempts         int not null default 0 check (attempts >= 0),
    last_error       text,
    -- The provider's id for the message (SMTP queue reply or Message-ID, SNS message id).
    provider_id      text,
    claimed_at       timestamptz,
    sent_at          timestamptz,
    created_at       timestamptz not null default now(),
    updated_at       timestamptz not null default now(),
    check ((booking_id is null) = (announcement_key is not null)),
    check ((announcement_key is null) = (subscription_id is null)),
    check ((kind = 'announcement') = (announcement_key is not null))
);
select manage_updated_at('notifications');
-- At most one message per booking, kind and channel; per announcement, subscriber and channel.
create unique index notifications_booking_kind_channel on notifications (booking_id, kind, channel)
    where booking_id is not null;
create unique index notifications_announcement_channel
    on notifications (announcement_key, subscription_id, channel)
    where announcement_key is not null;
