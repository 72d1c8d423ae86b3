-- When a show's sale opens. NULL: on sale from the moment it is scheduled. Before it, only
-- members whose plan gives early access may hold seats, from `on_sale_at - early_access_hours`.
alter table shows add column on_sale_at timestamptz;
alter table shows add constraint shows_on_sale_before_start
    check (on_sale_at is null or on_sale_at < starts_at);
