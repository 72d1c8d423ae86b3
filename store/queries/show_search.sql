-- GET /shows: upcoming shows by start time. $1 city (lower case), $2 local date, $3 movie,
-- $4 theater, $5 language and $6 format (lower case), $7 limit, $8 offset. The same listing
-- as showtimes.sql, ordered and paged for a search.
select s.show_id as "show_id: ShowId", s.movie_id as "movie_id: MovieId",
       m.title as movie_title, s.theater_id as "theater_id: TheaterId",
       t.name as theater_name, sc.name as screen_name, s.starts_at, s.language, s.format,
       case when s.on_sale_at > now() then s.on_sale_at end as on_sale_at,
       (select count(*) from show_seats f
         where f.show_id = s.show_id
           and seat_holdable(f.status, f.held_until, f.platform, false)) as "seats_available!"
  from shows s
  join theaters t on t.theater_id = s.theater_id
  join movies m on m.movie_id = s.movie_id
  join screens sc on sc.screen_id = s.screen_id
 where s.status = 'scheduled' and s.starts_at > now()
   -- The show's city and theater-local date, kept from its theater (migration 0009).
   and ($1::text is null or s.city = $1)
   and ($2::date is null or s.local_date = $2)
   and ($3::uuid is null or s.movie_id = $3)
   and ($4::uuid is null or s.theater_id = $4)
   and ($5::text is null or lower(s.language) = $5)
   and ($6::text is null or lower(s.format) = $6)
 order by s.starts_at, t.name, s.show_id
 limit $7 offset $8
