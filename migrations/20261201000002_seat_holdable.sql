-- The one definition of "a customer can hold this seat now", used by the hold itself, the seat
-- map, availability counts and best-seats picking, so they never disagree.
--
-- A seat is holdable when it is free, or held by a booking whose hold has lapsed (the next
-- customer may take it before the old booking's timer fires). Seats set aside for the platform
-- (`platform_reserved`, or a lapsed hold on such a seat) are holdable only for the platform's
-- own channel (`for_platform`, a broker's booking).
--
-- A plain SQL function of one expression: PostgreSQL inlines it into each query, so it costs
-- nothing over writing the expression out.
create function seat_holdable(
    status text,
    held_until timestamptz,
    platform boolean,
    for_platform boolean
) returns boolean
language sql stable parallel safe
as $$
    select status = 'free'
        or (status = 'platform_reserved' and for_platform)
        or (status = 'held' and held_until < now() and (not platform or for_platform))
$$;
