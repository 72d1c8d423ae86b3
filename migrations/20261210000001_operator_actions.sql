-- What operators did to bookings: who, when, why, and how it went. Written by the API before
-- the action goes to the booking's workflow (an update or a cancellation workflow, never a
-- table edit of the booking) and settled when it answers, so an action cut short still shows.
create table operator_actions (
    action_id    uuid primary key,
    booking_id   uuid not null references bookings (booking_id),
    operator_id  uuid not null,
    action       text not null check (action in (
        'retry', 'mark_resolved', 'force_expire', 'cancel', 'refund', 'resend_notification',
        'reshare_with_theater')),
    -- Ids and facts only, as the API asks of operators.
    note         text not null check (length(note) between 1 and 500),
    -- The action's own parameters (the notification kind, the seats), never contact details.
    detail       jsonb not null default '{}',
    requested_at timestamptz not null default now(),
    finished_at  timestamptz,
    outcome      text check (outcome in ('done', 'refused', 'failed')),
    answer       text
);
create index operator_actions_booking on operator_actions (booking_id, requested_at);
