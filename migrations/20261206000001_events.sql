-- The event outbox: every state change of a booking, payment, refund, invoice, offer
-- redemption and show writes its event here, in the same transaction as the change, by the
-- triggers below (a code path cannot forget one, and a rolled-back change leaves none). The
-- relay (`mtbp-worker`, docs/EVENTS.md) publishes them to Kafka and marks them published.
--
-- Bodies hold ids, statuses, counts and amounts: never a name, an email, a phone, a ticket code
-- or free text a customer wrote. Each type has a JSON Schema in docs/events/.

create table events (
    event_id       uuid primary key default gen_random_uuid(),
    -- Commit order for one aggregate (its advisory lock is held until commit), insertion order
    -- otherwise: the relay publishes in this order.
    position       bigint generated always as identity,
    event_type     text not null check (event_type ~ '^[a-z]+\.[a-z_]+$'),
    schema_version int not null check (schema_version > 0),
    -- The logical topic; the relay publishes to `{MTBP_KAFKA_TOPIC_PREFIX}{topic}.v1`.
    topic          text not null check (topic in ('booking', 'payment', 'invoice', 'show', 'analytics')),
    aggregate_type text not null check (aggregate_type in ('booking', 'show')),
    aggregate_id   uuid not null,
    -- 1, 2, 3… per aggregate, across its topics, without gaps.
    sequence       bigint not null check (sequence > 0),
    -- The Kafka message key: the aggregate's id, or the show's for analytics events.
    kafka_key      uuid not null,
    -- The relay's unit of ownership (one relay publishes a bucket at a time): all events of an
    -- aggregate share it.
    bucket         smallint not null check (bucket >= 0 and bucket < 16),
    occurred_at    timestamptz not null default clock_timestamp(),
    body           jsonb not null,
    published_at   timestamptz,
    constraint events_sequence_key unique (aggregate_type, aggregate_id, sequence)
);
create index events_unpublished on events (bucket, position) where published_at is null;
create index events_occurred on events (occurred_at);

-- Which relay publishes which bucket, until when (a relay renews its leases every loop; a dead
-- relay's lapse and another takes them). No database lock is held across a publish.
create table event_relay_leases (
    bucket      smallint primary key check (bucket >= 0 and bucket < 16),
    owner       text,
    until       timestamptz not null default '-infinity'
);
insert into event_relay_leases (bucket) select generate_series(0, 15);

-- Relays seen lately, so that they share the buckets evenly.
create table event_relays (
    relay_id  text primary key,
    seen_at   timestamptz not null default now()
);

create function mtbp_event_bucket(id uuid) returns smallint
    language sql immutable parallel safe
    as $$ select (hashtextextended(id::text, 0) & 15)::smallint $$;

-- Appends one event of `aggregate`, numbered after the aggregate's last one. The advisory lock
-- (held to commit) orders the events of one aggregate as their transactions commit.
create function mtbp_emit(
    p_aggregate_type text, p_aggregate_id uuid, p_topic text, p_type text, p_body jsonb,
    p_kafka_key uuid default null
) returns void language plpgsql as $$
declare
    next_seq bigint;
begin
    perform pg_advisory_xact_lock(hashtextextended(p_aggregate_type || ':' || p_aggregate_id::text, 7));
    select coalesce(max(sequence), 0) + 1 into next_seq
      from events where aggregate_type = p_aggregate_type and aggregate_id = p_aggregate_id;
    insert into events (event_type, schema_version, topic, aggregate_type, aggregate_id, sequence,
                        kafka_key, bucket, body)
    values (p_type, 1, p_topic, p_aggregate_type, p_aggregate_id, next_seq,
            coalesce(p_kafka_key, p_aggregate_id), mtbp_event_bucket(p_aggregate_id), p_body);
end $$;

-- Bookings: held (insert), every status change, and a sale or its undoing for analytics.
create function mtbp_booking_events() returns trigger language plpgsql as $$
declare
    v_seats int;
    v_sale jsonb;
begin
    if tg_op = 'INSERT' then
        perform mtbp_emit('booking', new.booking_id, 'booking', 'booking.held', jsonb_build_object(
            'booking_id', new.booking_id, 'show_id', new.show_id, 'customer_id', new.customer_id,
            'status', new.status, 'amount_minor', new.amount_minor, 'currency', new.currency,
            'hold_expires_at', new.hold_expires_at));
        return new;
    end if;
    if new.status is distinct from old.status then
        perform mtbp_emit('booking', new.booking_id, 'booking', 'booking.status_changed',
            jsonb_build_object(
                'booking_id', new.booking_id, 'show_id', new.show_id,
                'customer_id', new.customer_id, 'from', old.status, 'to', new.status,
                'amount_minor', new.amount_minor, 'currency', new.currency));
        if new.status = 'BookingCompleted' then
            select count(*) into v_seats from booking_seats where booking_id = new.booking_id;
            select jsonb_build_object(
                       'booking_id', new.booking_id, 'show_id', s.show_id,
                       'theater_id', s.theater_id, 'movie_id', s.movie_id, 'city', s.city,
                       'show_date', s.local_date, 'seats', v_seats,
                       'amount_minor', new.amount_minor, 'currency', new.currency,
                       'discount_minor', coalesce((select sum(r.discount_minor)
                           from offer_redemptions r
                          where r.booking_id = new.booking_id and r.status = 'redeemed'), 0))
              into v_sale from shows s where s.show_id = new.show_id;
            perform mtbp_emit('booking', new.booking_id, 'analytics', 'analytics.ticket_sold',
                v_sale, new.show_id);
        end if;
    end if;
    return new;
end $$;
create trigger bookings_events after insert or update of status on bookings
    for each row execute function mtbp_booking_events();

-- Payments: created, then every status change.
create function mtbp_payment_events() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' or new.status is distinct from old.status then
        perform mtbp_emit('booking', new.booking_id, 'payment',
            case when tg_op = 'INSERT' then 'payment.created' else 'payment.status_changed' end,
            jsonb_build_object(
                'payment_id', new.payment_id, 'booking_id', new.booking_id,
                'gateway', new.gateway, 'gateway_payment_id', new.gateway_payment_id,
                'status', new.status, 'failure_code', new.failure_code,
                'amount_minor', new.amount_minor, 'currency', new.currency));
    end if;
    return new;
end $$;
create trigger payments_events after insert or update of status on payments
    for each row execute function mtbp_payment_events();

-- Refunds: one event when the gateway gave the money back, and its analytics twin.
create function mtbp_refund_events() returns trigger language plpgsql as $$
declare
    v_currency text;
    v_show uuid;
begin
    select p.currency, b.show_id into v_currency, v_show
      from payments p join bookings b using (booking_id) where p.payment_id = new.payment_id;
    perform mtbp_emit('booking', new.booking_id, 'payment', 'payment.refunded', jsonb_build_object(
        'refund_id', new.refund_id, 'payment_id', new.payment_id, 'booking_id', new.booking_id,
        'gateway_refund_id', new.gateway_refund_id, 'amount_minor', new.amount_minor,
        'currency', v_currency));
    perform mtbp_emit('booking', new.booking_id, 'analytics', 'analytics.ticket_refunded',
        jsonb_build_object('booking_id', new.booking_id, 'show_id', v_show,
            'amount_minor', new.amount_minor, 'currency', v_currency), v_show);
    return new;
end $$;
create trigger refunds_events after insert on refunds
    for each row execute function mtbp_refund_events();

-- Invoices and credit notes: numbered (insert), then stored (their PDF in the object store).
create function mtbp_invoice_events() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' or (old.uploaded_at is null and new.uploaded_at is not null) then
        perform mtbp_emit('booking', new.booking_id, 'invoice',
            case when tg_op = 'INSERT' then 'invoice.issued' else 'invoice.stored' end,
            jsonb_build_object(
                'invoice_id', new.invoice_id, 'booking_id', new.booking_id,
                'kind', new.kind, 'number', new.number, 'issuer_role', new.issuer_role,
                'refers_to', new.refers_to, 'financial_year', new.financial_year,
                'total_minor', new.total_minor, 'currency', new.currency));
    end if;
    return new;
end $$;
create trigger invoices_events after insert or update of uploaded_at on invoices
    for each row execute function mtbp_invoice_events();

-- Offer redemptions: reserved with a hold, redeemed at payment, released; a redemption is also
-- an analytics event.
create function mtbp_redemption_events() returns trigger language plpgsql as $$
declare
    v_show uuid;
begin
    if tg_op = 'INSERT' or new.status is distinct from old.status then
        perform mtbp_emit('booking', new.booking_id, 'booking', 'offer.redemption_changed',
            jsonb_build_object(
                'offer_id', new.offer_id, 'booking_id', new.booking_id,
                'customer_id', new.customer_id, 'status', new.status,
                'discount_minor', new.discount_minor, 'funded_by', new.funded_by));
        if new.status = 'redeemed' then
            select show_id into v_show from bookings where booking_id = new.booking_id;
            perform mtbp_emit('booking', new.booking_id, 'analytics', 'analytics.offer_redeemed',
                jsonb_build_object('offer_id', new.offer_id, 'booking_id', new.booking_id,
                    'show_id', v_show, 'discount_minor', new.discount_minor,
                    'funded_by', new.funded_by), v_show);
        end if;
    end if;
    return new;
end $$;
create trigger offer_redemptions_events after insert or update of status on offer_redemptions
    for each row execute function mtbp_redemption_events();

-- Shows: scheduled (insert), then any change of time, status, sale opening, language or format.
create function mtbp_show_events() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT'
       or (new.starts_at, new.ends_at, new.status, new.on_sale_at, new.language, new.format)
          is distinct from
          (old.starts_at, old.ends_at, old.status, old.on_sale_at, old.language, old.format) then
        perform mtbp_emit('show', new.show_id, 'show',
            case when tg_op = 'INSERT' then 'show.scheduled' else 'show.changed' end,
            jsonb_build_object(
                'show_id', new.show_id, 'movie_id', new.movie_id, 'screen_id', new.screen_id,
                'theater_id', new.theater_id, 'city', new.city, 'starts_at', new.starts_at,
                'ends_at', new.ends_at, 'status', new.status, 'on_sale_at', new.on_sale_at,
                'language', new.language, 'format', new.format));
    end if;
    return new;
end $$;
create trigger shows_events after insert or update on shows
    for each row execute function mtbp_show_events();
