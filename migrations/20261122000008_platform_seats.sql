-- Seats a partner sets aside for the platform (the designated-rows model) are sold only through
-- the platform's brokers. `platform` remembers the pool while such a seat is held, so a released
-- hold puts it back into the platform's pool rather than on general sale.
alter table show_seats add column platform boolean not null default false;
update show_seats set platform = true where status = 'platform_reserved';
