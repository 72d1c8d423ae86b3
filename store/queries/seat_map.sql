-- GET /shows/{id}/seats: $1 the show. A seat a customer can hold now is `available`; a lapsed
-- hold on a platform seat is back with the platform.
select seat_label, col_index, category_code, price_minor,
       case when seat_holdable(status, held_until, platform, false) then 'available'
            when status = 'held' and held_until < now() then 'platform_reserved'
            else status end as "shown_status!",
       accessible
  from show_seats
 where show_id = $1
 order by row_index, col_index
