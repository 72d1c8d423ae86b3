-- Theaters and screens change and close; seats may be wheelchair-accessible; movies and
-- theaters carry their review aggregates.

-- Closing a theater or retiring a screen keeps its rows for the bookings that refer to them,
-- hidden from the catalog. A retired screen's name can be used again.
alter table theaters add column closed_at timestamptz;
alter table screens add column retired_at timestamptz;
alter table screens drop constraint screens_theater_name_key;
create unique index screens_theater_name_key on screens (theater_id, name) where retired_at is null;

alter table screen_seats add column accessible boolean not null default false;

-- A show's seat map lives with its inventory, so a screen's layout can change for later
-- shows without touching the maps of earlier ones, and the map is one table's read.
alter table show_seats
    add column row_index  int not null default 0,
    add column col_index  int not null default 0,
    add column accessible boolean not null default false;
update show_seats ss
   set row_index = sc.row_index, col_index = sc.col_index, accessible = sc.accessible
  from shows s, screen_seats sc
 where s.show_id = ss.show_id and sc.screen_id = s.screen_id and sc.seat_label = ss.seat_label;
alter table show_seats
    alter column row_index drop default,
    alter column col_index drop default;

-- Review aggregates, kept by the same transaction that adds or removes a review.
alter table movies
    add column rating_count int not null default 0 check (rating_count >= 0),
    add column rating_sum   bigint not null default 0 check (rating_sum >= 0);
alter table theaters
    add column rating_count int not null default 0 check (rating_count >= 0),
    add column rating_sum   bigint not null default 0 check (rating_sum >= 0);
update movies m set rating_count = r.n, rating_sum = r.s
  from (select subject_id, count(*) n, sum(rating) s from reviews
         where subject_type = 'movie' and removed_at is null group by subject_id) r
 where r.subject_id = m.movie_id;
update theaters t set rating_count = r.n, rating_sum = r.s
  from (select subject_id, count(*) n, sum(rating) s from reviews
         where subject_type = 'theater' and removed_at is null group by subject_id) r
 where r.subject_id = t.theater_id;
